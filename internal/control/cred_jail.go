// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"encoding/binary"
	"fmt"
	"time"
)

// This file decides, from bytes FreeBSD hands over, whether a caller has
// PRIV_NET_WG for wgd's interface. if_wg asks priv_check(PRIV_NET_WG),
// which root passes on the host and in a VNET jail, for that jail's own
// interfaces; root in another jail than wgd's could never configure wgd's
// interface through the kernel, so it is unprivileged here. The caller's
// pid comes from LOCAL_PEERCRED's struct xucred (FreeBSD 13 and later),
// its jail from the process's struct kinfo_proc (sysctl kern.proc.pid).
// cred_freebsd.go makes the system calls; everything else is here, so that
// it runs and is tested on any system.

// freebsdABI is where the fields wgd reads lie in FreeBSD's structures
// on one kind of machine.
type freebsdABI struct {
	name string
	// xucredSize is sizeof(struct xucred), xucredPid the offset of
	// cr_pid in it.
	xucredSize, xucredPid int
	// kinfoProcSize is KINFO_PROC_SIZE; kiPid, kiJid and kiStart the
	// offsets of ki_pid, ki_jid and ki_start (a struct timeval).
	kinfoProcSize, kiPid, kiJid, kiStart int
	// timeSize and longSize are the sizes of time_t and long: of
	// tv_sec and tv_usec.
	timeSize, longSize int
}

// The layouts of struct xucred (sys/sys/ucred.h) and struct kinfo_proc
// (sys/sys/user.h): 64-bit machines (amd64, arm64, riscv64, powerpc64),
// i386 (4-byte time_t, 4-byte alignment of 64-bit integers) and armv7
// (8-byte time_t and alignment). The sizes are each machine's
// KINFO_PROC_SIZE; cred_jail_test.go derives every offset from the
// structures' declarations.
var (
	abiLP64 = freebsdABI{name: "LP64", xucredSize: 88, xucredPid: 80, kinfoProcSize: 1088, kiPid: 72, kiJid: 592, kiStart: 336, timeSize: 8, longSize: 8}
	abi386  = freebsdABI{name: "i386", xucredSize: 80, xucredPid: 76, kinfoProcSize: 768, kiPid: 40, kiJid: 512, kiStart: 280, timeSize: 4, longSize: 4}
	abiARM  = freebsdABI{name: "armv7", xucredSize: 80, xucredPid: 76, kinfoProcSize: 816, kiPid: 40, kiJid: 528, kiStart: 280, timeSize: 8, longSize: 4}
)

// xucredVersion is XUCRED_VERSION from sys/ucred.h, which getpeereid(3)
// checks too.
const xucredVersion = 0

// parseXucred returns cr_uid and cr_pid of a struct xucred in the host's
// byte order. cr_pid is 0 where the kernel does not fill it in (before
// FreeBSD 13).
func parseXucred(b []byte, abi freebsdABI) (uid uint32, pid int32, err error) {
	if len(b) != abi.xucredSize {
		return 0, 0, fmt.Errorf("xucred of %d bytes, want %d", len(b), abi.xucredSize)
	}
	if v := binary.NativeEndian.Uint32(b); v != xucredVersion {
		return 0, 0, fmt.Errorf("unknown xucred version %d", v)
	}
	return binary.NativeEndian.Uint32(b[4:]), int32(binary.NativeEndian.Uint32(b[abi.xucredPid:])), nil
}

// parseKinfoProc returns ki_pid and ki_jid of one struct kinfo_proc, which
// must be whole: ki_structsize and the length both KINFO_PROC_SIZE.
func parseKinfoProc(b []byte, abi freebsdABI) (pid, jid int32, err error) {
	if len(b) != abi.kinfoProcSize {
		return 0, 0, fmt.Errorf("kinfo_proc of %d bytes, want %d", len(b), abi.kinfoProcSize)
	}
	if size := binary.NativeEndian.Uint32(b); int(size) != abi.kinfoProcSize {
		return 0, 0, fmt.Errorf("kinfo_proc ki_structsize %d, want %d", size, abi.kinfoProcSize)
	}
	return int32(binary.NativeEndian.Uint32(b[abi.kiPid:])), int32(binary.NativeEndian.Uint32(b[abi.kiJid:])), nil
}

// Why root's privilege could not be checked (Caller.Unverified).
const (
	// reasonNoPid: struct xucred carries no pid: FreeBSD before 13, or a
	// 32-bit wgd on a 64-bit kernel, which copies out only as much of the
	// structure as the 32-bit caller's buffer holds, cr_pid not included.
	reasonNoPid = "the kernel gave no pid for the caller (FreeBSD before 13.0, or a 32-bit wgd on a 64-bit kernel)"
	// reasonNoProc: the caller's process could not be read: it exited,
	// or wgd, jailed, cannot see it (a process outside wgd's jail).
	reasonNoProc = "the caller's process could not be read (it exited, or it is outside wgd's jail)"
	// reasonPidReused: the caller's pid names a process that started
	// after the connection was accepted.
	reasonPidReused = "the caller's pid names a process started after it connected (the caller exited)"
)

// kinfoStart returns ki_start of a struct kinfo_proc parseKinfoProc
// accepted: when the process started, in wall-clock time.
func kinfoStart(b []byte, abi freebsdABI) time.Time {
	sec := nativeInt(b[abi.kiStart:], abi.timeSize)
	usec := nativeInt(b[abi.kiStart+abi.timeSize:], abi.longSize)
	return time.Unix(sec, usec*1000)
}

// nativeInt reads a signed native integer of n (4 or 8) bytes.
func nativeInt(b []byte, n int) int64 {
	if n == 8 {
		return int64(binary.NativeEndian.Uint64(b))
	}
	return int64(int32(binary.NativeEndian.Uint32(b)))
}

// jailCaller decides who a FreeBSD caller is from its struct xucred:
// privileged when its effective user is root and its process is in wgd's
// own jail. proc returns the struct kinfo_proc of a process as wgd's
// sysctl sees it, and ki_jid there is relative to the reader:
// sys/kern/kern_proc.c fill_kinfo_proc sets it only "if
// (cred->cr_prison != curthread->td_ucred->cr_prison)", leaving 0 for a
// process in the reader's own jail ("If inside the jail, use 0 as a jail
// ID"). So a caller is in wgd's jail exactly when its ki_jid reads 0, on
// the host as in a jail; a host process is not even visible to a jailed
// wgd (the sysctl fails). A caller whose process cannot be looked at (no
// pid before FreeBSD 13, a process that has exited, one wgd cannot see)
// is unprivileged: wgd cannot tell its jail. Only a malformed xucred is an
// error. accepted is when wgd accepted the connection: a process that
// started later is not the one that connected but one that was given its
// pid after it exited, and is unprivileged too (FreeBSD records the pid
// at connect time).
func jailCaller(xucred []byte, abi freebsdABI, accepted time.Time, proc func(pid int32) ([]byte, error)) (Caller, error) {
	uid, pid, err := parseXucred(xucred, abi)
	if err != nil {
		return Caller{}, err
	}
	who := Caller{UID: uid}
	if uid != 0 {
		return who, nil
	}
	if pid <= 0 {
		who.Unverified = reasonNoPid
		return who, nil
	}
	kp, err := proc(pid)
	if err != nil {
		who.Unverified = reasonNoProc
		return who, nil
	}
	kpid, jid, err := parseKinfoProc(kp, abi)
	switch {
	case err != nil || kpid != pid:
		who.Unverified = reasonNoProc
	case kinfoStart(kp, abi).After(accepted):
		who.Unverified = reasonPidReused
	default:
		who.Privileged = jid == 0
	}
	return who, nil
}
