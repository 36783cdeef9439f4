// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// cField is one member of a C structure: its name and type.
type cField struct {
	name, typ string
	count     int // array length; 0 for a scalar
}

// cType is a C type's size and alignment on one machine.
type cType struct{ size, align int }

// cTypes returns the sizes and alignments of the types the two
// structures use on the machine abi names.
func cTypes(abi freebsdABI) map[string]cType {
	word, long, i64, timeval := cType{4, 4}, cType{8, 8}, cType{8, 8}, cType{16, 8}
	switch abi.name {
	case "i386":
		long, i64, timeval = cType{4, 4}, cType{8, 4}, cType{8, 4} // 32-bit time_t
	case "armv7":
		long = cType{4, 4} // 64-bit time_t, suseconds_t is long: 16 bytes
	}
	t := map[string]cType{
		"int": word, "u_int": word, "uint32_t": word, "pid_t": word, "uid_t": word, "gid_t": word,
		"fixpt_t": word, "lwpid_t": word, "short": {2, 2}, "u_short": {2, 2}, "char": {1, 1},
		"u_char": {1, 1}, "ptr": long, "long": long, "vm_size_t": long, "segsz_t": long,
		"u_int64_t": i64, "uint64_t": i64, "sigset_t": {16, 4}, "timeval": timeval,
		"priority": {4, 1}, // four u_char
	}
	t["time_t"] = cType{8, 8}
	if abi.name == "i386" {
		t["time_t"] = cType{4, 4}
	}
	// struct rusage: two timevals, then fourteen longs.
	t["rusage"] = cType{2*timeval.size + 14*long.size, max(timeval.align, long.align)}
	return t
}

// layout lays the fields out as a C compiler does and returns each
// field's offset and the structure's size.
func layout(fields []cField, types map[string]cType) (map[string]int, int) {
	off, maxAlign := 0, 1
	offsets := map[string]int{}
	for _, f := range fields {
		t, ok := types[f.typ]
		if !ok {
			panic("unknown C type " + f.typ)
		}
		n := max(f.count, 1)
		off = (off + t.align - 1) / t.align * t.align
		offsets[f.name] = off
		off += n * t.size
		maxAlign = max(maxAlign, t.align)
	}
	return offsets, (off + maxAlign - 1) / maxAlign * maxAlign
}

// xucredFields is struct xucred of sys/sys/ucred.h; the union of the
// old pointer and cr_pid is given as the pointer, its larger member, with
// cr_pid at its start.
var xucredFields = []cField{
	{"cr_version", "u_int", 0}, {"cr_uid", "uid_t", 0}, {"cr_ngroups", "short", 0},
	{"cr_groups", "gid_t", 16}, {"cr_pid", "ptr", 0},
}

// kinfoProcFields is struct kinfo_proc of sys/sys/user.h (FreeBSD 13 and
// later: KI_NSPARE_INT 2, KI_NSPARE_PTR 5, ki_sparestrings[46]), pointers
// written "ptr".
var kinfoProcFields = []cField{
	{"ki_structsize", "int", 0}, {"ki_layout", "int", 0},
	{"ki_args", "ptr", 0}, {"ki_paddr", "ptr", 0}, {"ki_addr", "ptr", 0}, {"ki_tracep", "ptr", 0},
	{"ki_textvp", "ptr", 0}, {"ki_fd", "ptr", 0}, {"ki_vmspace", "ptr", 0}, {"ki_wchan", "ptr", 0},
	{"ki_pid", "pid_t", 0}, {"ki_ppid", "pid_t", 0}, {"ki_pgid", "pid_t", 0}, {"ki_tpgid", "pid_t", 0},
	{"ki_sid", "pid_t", 0}, {"ki_tsid", "pid_t", 0}, {"ki_jobc", "short", 0}, {"ki_spare_short1", "short", 0},
	{"ki_tdev_freebsd11", "uint32_t", 0},
	{"ki_siglist", "sigset_t", 0}, {"ki_sigmask", "sigset_t", 0}, {"ki_sigignore", "sigset_t", 0}, {"ki_sigcatch", "sigset_t", 0},
	{"ki_uid", "uid_t", 0}, {"ki_ruid", "uid_t", 0}, {"ki_svuid", "uid_t", 0}, {"ki_rgid", "gid_t", 0}, {"ki_svgid", "gid_t", 0},
	{"ki_ngroups", "short", 0}, {"ki_spare_short2", "short", 0}, {"ki_groups", "gid_t", 16},
	{"ki_size", "vm_size_t", 0}, {"ki_rssize", "segsz_t", 0}, {"ki_swrss", "segsz_t", 0}, {"ki_tsize", "segsz_t", 0},
	{"ki_dsize", "segsz_t", 0}, {"ki_ssize", "segsz_t", 0}, {"ki_xstat", "u_short", 0}, {"ki_acflag", "u_short", 0},
	{"ki_pctcpu", "fixpt_t", 0}, {"ki_estcpu", "u_int", 0}, {"ki_slptime", "u_int", 0}, {"ki_swtime", "u_int", 0},
	{"ki_cow", "u_int", 0}, {"ki_runtime", "u_int64_t", 0}, {"ki_start", "timeval", 0}, {"ki_childtime", "timeval", 0},
	{"ki_flag", "long", 0}, {"ki_kiflag", "long", 0}, {"ki_traceflag", "int", 0},
	{"ki_stat", "char", 0}, {"ki_nice", "char", 0}, {"ki_lock", "char", 0}, {"ki_rqindex", "char", 0},
	{"ki_oncpu_old", "u_char", 0}, {"ki_lastcpu_old", "u_char", 0},
	{"ki_tdname", "char", 17}, {"ki_wmesg", "char", 9}, {"ki_login", "char", 18}, {"ki_lockname", "char", 9},
	{"ki_comm", "char", 20}, {"ki_emul", "char", 17}, {"ki_loginclass", "char", 18}, {"ki_moretdname", "char", 4},
	{"ki_sparestrings", "char", 46}, {"ki_spareints", "int", 2}, {"ki_tdev", "uint64_t", 0},
	{"ki_oncpu", "int", 0}, {"ki_lastcpu", "int", 0}, {"ki_tracer", "int", 0}, {"ki_flag2", "int", 0},
	{"ki_fibnum", "int", 0}, {"ki_cr_flags", "u_int", 0}, {"ki_jid", "int", 0}, {"ki_numthreads", "int", 0},
	{"ki_tid", "lwpid_t", 0}, {"ki_pri", "priority", 0}, {"ki_rusage", "rusage", 0}, {"ki_rusage_ch", "rusage", 0},
	{"ki_pcb", "ptr", 0}, {"ki_kstack", "ptr", 0}, {"ki_udata", "ptr", 0}, {"ki_tdaddr", "ptr", 0},
	{"ki_pd", "ptr", 0}, {"ki_spareptrs", "ptr", 5}, {"ki_sparelongs", "long", 12},
	{"ki_sflag", "long", 0}, {"ki_tdflags", "long", 0},
}

// TestFreeBSDLayouts derives the offsets wgd reads from the declarations
// of struct xucred (sys/sys/ucred.h: "union { void *_cr_unused1; pid_t
// cr_pid; };" after "gid_t cr_groups[XU_NGROUPS];") and struct kinfo_proc
// (sys/sys/user.h: "int ki_jid; /* Process jail ID */"), and checks the
// sizes against each machine's KINFO_PROC_SIZE (sys/amd64/include/proc.h
// and sys/arm64/include/proc.h: "#define KINFO_PROC_SIZE 1088", arm64's
// "#define KINFO_PROC32_SIZE 816" for armv7, i386's 768).
func TestFreeBSDLayouts(t *testing.T) {
	for _, abi := range []freebsdABI{abiLP64, abi386, abiARM} {
		types := cTypes(abi)
		x, xsize := layout(xucredFields, types)
		k, ksize := layout(kinfoProcFields, types)
		got := freebsdABI{name: abi.name, xucredSize: xsize, xucredPid: x["cr_pid"],
			kinfoProcSize: ksize, kiPid: k["ki_pid"], kiJid: k["ki_jid"], kiStart: k["ki_start"],
			timeSize: types["time_t"].size, longSize: types["long"].size}
		if got != abi {
			t.Errorf("%s: derived %+v, table %+v", abi.name, got, abi)
		}
	}
}

// xucredBytes builds a struct xucred.
func xucredBytes(abi freebsdABI, version, uid uint32, pid int32) []byte {
	b := make([]byte, abi.xucredSize)
	binary.NativeEndian.PutUint32(b, version)
	binary.NativeEndian.PutUint32(b[4:], uid)
	binary.NativeEndian.PutUint32(b[abi.xucredPid:], uint32(pid))
	return b
}

// kinfoProcBytes builds a struct kinfo_proc of a process started at
// testStart.
func kinfoProcBytes(abi freebsdABI, pid, jid int32) []byte {
	return kinfoProcStarted(abi, pid, jid, testStart)
}

// kinfoProcStarted builds a struct kinfo_proc whose ki_start is start.
func kinfoProcStarted(abi freebsdABI, pid, jid int32, start time.Time) []byte {
	b := make([]byte, abi.kinfoProcSize)
	binary.NativeEndian.PutUint32(b, uint32(abi.kinfoProcSize))
	binary.NativeEndian.PutUint32(b[abi.kiPid:], uint32(pid))
	binary.NativeEndian.PutUint32(b[abi.kiJid:], uint32(jid))
	putInt(b[abi.kiStart:], abi.timeSize, start.Unix())
	putInt(b[abi.kiStart+abi.timeSize:], abi.longSize, int64(start.Nanosecond()/1000))
	return b
}

// putInt writes v as a native integer of n bytes.
func putInt(b []byte, n int, v int64) {
	if n == 8 {
		binary.NativeEndian.PutUint64(b, uint64(v))
		return
	}
	binary.NativeEndian.PutUint32(b, uint32(v))
}

// testStart and testAccepted are when the callers' processes of
// TestJailCaller started and when wgd accepted their connections.
var (
	testStart    = time.Unix(1700000000, 250000000)
	testAccepted = testStart.Add(time.Minute)
)

// TestJailCallerReusedPid: a caller's process whose ki_start is later
// than the connection's acceptance is not the one that connected (it
// exited, and its pid was given to a new process) and is not privileged.
// ki_start is wall-clock time: sys/kern/kern_proc.c fill_kinfo_proc,
// "kp->ki_start = p->p_stats->p_start;" then
// "timevaladd(&kp->ki_start, &boottime);".
func TestJailCallerReusedPid(t *testing.T) {
	for _, abi := range []freebsdABI{abiLP64, abi386, abiARM} {
		for _, c := range []struct {
			start time.Time
			want  Caller
		}{
			{testAccepted.Add(-time.Microsecond), Caller{Privileged: true}},
			{testAccepted, Caller{Privileged: true}},
			{testAccepted.Add(time.Microsecond), Caller{Unverified: reasonPidReused}},
		} {
			kp := kinfoProcStarted(abi, 100, 0, c.start)
			got, err := jailCaller(xucredBytes(abi, xucredVersion, 0, 100), abi, testAccepted,
				func(int32) ([]byte, error) { return kp, nil })
			if err != nil || got != c.want {
				t.Errorf("%s, started %v: %+v, %v; want %+v", abi.name, c.start.Sub(testAccepted), got, err, c.want)
			}
		}
	}
}

// visibleJID stands in for the kernel's sysctl kern.proc.pid as a reader
// in jail reader (0: the host) sees a process in jail jail: ki_jid is
// relative to the reader. sys/kern/kern_proc.c fill_kinfo_proc:
//
//	/* If inside the jail, use 0 as a jail ID. */
//	if (cred->cr_prison != curthread->td_ucred->cr_prison)
//		kp->ki_jid = cred->cr_prison->pr_id;
//
// (only for a jailed process), and a jailed reader cannot see a process
// outside its jail (p_cansee fails, the sysctl errors).
func visibleJID(reader, jail int32) (int32, bool) {
	switch {
	case reader != 0 && jail != reader:
		return 0, false
	case jail != reader:
		return jail, true
	}
	return 0, true
}

// TestJailCaller checks the decision: root in wgd's own jail is
// privileged, as priv_check(PRIV_NET_WG) lets root through on the host
// and in a VNET jail for its own interfaces (sys/dev/wg/if_wg.c:
// "case SIOCSWG: ret = priv_check(curthread, PRIV_NET_WG);", and
// wgc_privileged: "return (priv_check(td, PRIV_NET_WG) == 0);";
// sys/kern/kern_jail.c lists "case PRIV_NET_WG:" among the privileges of
// a VNET jail). Root in another jail, whose kernel could not reach wgd's
// interface, is not; nor is any other user, nor a caller whose jail
// cannot be learned. The pid is the connecting process's:
// sys/kern/uipc_usrreq.c, unp_copy_peercred: "cru2xt(td,
// &client_unp->unp_peercred);", which sets cr_pid on FreeBSD 13 and
// later, and 0 (the old pointer's NULL) before.
func TestJailCaller(t *testing.T) {
	errGone := errors.New("no such process")
	for _, abi := range []freebsdABI{abiLP64, abi386, abiARM} {
		procs := func(wgdJail, callerJail int32) func(int32) ([]byte, error) {
			return func(pid int32) ([]byte, error) {
				jid, ok := visibleJID(wgdJail, callerJail)
				if !ok {
					return nil, errGone
				}
				switch pid {
				case 100:
					return kinfoProcBytes(abi, pid, jid), nil
				case 200: // the wrong process's record
					return kinfoProcBytes(abi, 201, jid), nil
				case 300: // cut short
					return kinfoProcBytes(abi, pid, jid)[:abi.kinfoProcSize-4], nil
				}
				return nil, errGone
			}
		}
		for _, c := range []struct {
			name      string
			uid       uint32
			pid       int32
			wgd, jail int32 // wgd's and the caller's jail (0: the host)
			want      Caller
		}{
			{name: "root in wgd's jail", uid: 0, pid: 100, wgd: 3, jail: 3, want: Caller{UID: 0, Privileged: true}},
			{name: "root on the host, wgd on the host", uid: 0, pid: 100, wgd: 0, jail: 0, want: Caller{UID: 0, Privileged: true}},
			{name: "root in a jail, wgd on the host", uid: 0, pid: 100, wgd: 0, jail: 4, want: Caller{UID: 0}},
			{name: "root in another jail", uid: 0, pid: 100, wgd: 3, jail: 4, want: Caller{UID: 0, Unverified: reasonNoProc}},
			{name: "root on the host, wgd jailed", uid: 0, pid: 100, wgd: 3, jail: 0, want: Caller{UID: 0, Unverified: reasonNoProc}},
			{name: "a user in wgd's jail", uid: 1001, pid: 100, wgd: 3, jail: 3, want: Caller{UID: 1001}},
			{name: "no pid (FreeBSD 12, or a 32-bit wgd on a 64-bit kernel)", uid: 0, pid: 0, wgd: 0, jail: 0, want: Caller{UID: 0, Unverified: reasonNoPid}},
			{name: "process gone", uid: 0, pid: 999, wgd: 0, jail: 0, want: Caller{UID: 0, Unverified: reasonNoProc}},
			{name: "another process's record", uid: 0, pid: 200, wgd: 0, jail: 0, want: Caller{UID: 0, Unverified: reasonNoProc}},
			{name: "short record", uid: 0, pid: 300, wgd: 0, jail: 0, want: Caller{UID: 0, Unverified: reasonNoProc}},
			{name: "a user, no pid", uid: 1001, pid: 0, wgd: 0, jail: 0, want: Caller{UID: 1001}},
		} {
			got, err := jailCaller(xucredBytes(abi, xucredVersion, c.uid, c.pid), abi, testAccepted, procs(c.wgd, c.jail))
			if err != nil || got != c.want {
				t.Errorf("%s, %s: %+v, %v; want %+v", abi.name, c.name, got, err, c.want)
			}
		}
		for _, bad := range [][]byte{
			xucredBytes(abi, 1, 0, 100),
			xucredBytes(abi, xucredVersion, 0, 100)[:abi.xucredSize-1],
			nil,
		} {
			if _, err := jailCaller(bad, abi, testAccepted, procs(0, 0)); err == nil {
				t.Errorf("%s: xucred %x accepted", abi.name, bad)
			}
		}
	}
}

// FuzzJailCaller feeds arbitrary bytes as the xucred and the kinfo_proc:
// never a panic, and privilege only for root whose record is whole and
// reads jail 0, wgd's own as wgd sees it.
func FuzzJailCaller(f *testing.F) {
	f.Add(xucredBytes(abiLP64, 0, 0, 100), kinfoProcBytes(abiLP64, 100, 3), uint8(0))
	f.Add(xucredBytes(abi386, 0, 0, 100), kinfoProcBytes(abi386, 100, 3), uint8(1))
	f.Add(xucredBytes(abiARM, 0, 5, 7), kinfoProcBytes(abiARM, 7, 3), uint8(2))
	abis := []freebsdABI{abiLP64, abi386, abiARM}
	f.Fuzz(func(t *testing.T, xucred, kp []byte, which uint8) {
		abi := abis[int(which)%len(abis)]
		who, err := jailCaller(xucred, abi, testAccepted, func(int32) ([]byte, error) { return kp, nil })
		if err != nil || !who.Privileged {
			return
		}
		uid, pid, _ := parseXucred(xucred, abi)
		kpid, jid, kerr := parseKinfoProc(kp, abi)
		if uid != 0 || kerr != nil || kpid != pid || jid != 0 {
			t.Fatalf("privileged: uid %d, pid %d, record pid %d jail %d (%v)", uid, pid, kpid, jid, kerr)
		}
	})
}
