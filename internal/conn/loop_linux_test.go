// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// offloadsOffFor turns offloads off for Binds opened during t.
func offloadsOffFor(t *testing.T) {
	SetOffloads(false)
	t.Cleanup(func() { SetOffloads(true) })
}

// TestLoopBind runs the Bind tests over the Bind that offloads off give
// on Linux, FreeBSD's loopIO, so that the code FreeBSD runs is tested
// here.
func TestLoopBind(t *testing.T) {
	offloadsOffFor(t)
	b, _ := openBind(t, 0)
	for _, s := range b.(*stdBind).sockets() {
		if _, ok := s.io.(*loopIO); !ok {
			t.Fatalf("socket io is %T with offloads off, want *loopIO", s.io)
		}
	}
	if got := b.BatchSize(); got != loopBatchSize {
		t.Errorf("BatchSize = %d with offloads off, want %d", got, loopBatchSize)
	}
	for _, test := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"OpenBindsBothFamiliesOnOnePort", TestOpenBindsBothFamiliesOnOnePort},
		{"BatchedSendReceive", TestBatchedSendReceive},
		{"IPv4MappedEndpoint", TestIPv4MappedEndpoint},
		{"PortConflicts", TestPortConflicts},
		{"CloseUnblocksReceive", TestCloseUnblocksReceive},
		{"SendAndReceiveDoNotAllocate", TestSendAndReceiveDoNotAllocate},
		{"TruncatedDatagramHasSizeZero", TestTruncatedDatagramHasSizeZero},
		{"RefusedDatagramDoesNotStopBatch", TestRefusedDatagramDoesNotStopBatch},
		{"OffloadsOnAgain", func(t *testing.T) {
			SetOffloads(true)
			defer SetOffloads(false)
			b, _ := openBind(t, 0)
			if io := b.(*stdBind).v4.io; io == nil || fmt.Sprintf("%T", io) != "*conn.mmsgIO" {
				t.Fatalf("socket io is %T with offloads on, want *conn.mmsgIO", io)
			}
		}},
	} {
		t.Run(test.name, test.run)
	}
}

// noMmsgEnv tells the test binary, run again by TestOffloadsOffWithoutMmsg,
// to run the child's half.
const noMmsgEnv = "WGBSD_CONN_TEST_NO_MMSG"

// TestOffloadsOffWithoutMmsg runs a Bind with offloads off in a process in
// which recvmmsg and sendmmsg fail with ENOSYS, as they would on FreeBSD,
// whose kernel has neither: its libc builds them from recvmsg and sendmsg,
// lib/libc/gen/recvmmsg.c:
//
//	ret = __sys_recvmsg(s, &msgvec[i].msg_hdr, flags);
//	if (ret == -1) {
//		/* We have received messages. Let caller know
//		 * about the data received, socket error is
//		 * returned on next invocation.
//
// which is what loopIO does, errors included. The datagrams still cross,
// so offloads off on Linux runs the loop, not recvmmsg; with offloads on,
// the same process cannot send, so the filter bites.
func TestOffloadsOffWithoutMmsg(t *testing.T) {
	if os.Getenv(noMmsgEnv) == "1" {
		noMmsgChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOffloadsOffWithoutMmsg$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), noMmsgEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

// noMmsgChild is the child's half: it makes recvmmsg and sendmmsg fail
// for the whole process, then moves datagrams through Binds.
func noMmsgChild(t *testing.T) {
	if err := denyMmsg(); err != nil {
		t.Fatalf("cannot install the seccomp filter: %v", err)
	}
	// The filter bites: a socket of the Linux batching fails.
	on, port := openBind(t, 0)
	if err := on.Send([][]byte{[]byte("x")}, Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}); !errors.Is(err, syscall.ENOSYS) {
		t.Fatalf("Send with offloads on under the filter: %v, want ENOSYS", err)
	}
	offloadsOffFor(t)
	const count = 100
	a, aport := openBind(t, 0)
	b, bport := openBind(t, 0)
	bufs := make([][]byte, count)
	for i := range bufs {
		bufs[i] = fmt.Appendf(nil, "datagram %d", i)
	}
	if err := a.Send(bufs, Endpoint{Dst: netip.AddrPortFrom(loopback4, bport)}); err != nil {
		t.Fatalf("Send with offloads off: %v", err)
	}
	got, from, maxBatch := receiveN(t, receiver(t, b, loopback4), count, IdealBatchSize)
	for i := range count {
		if want := fmt.Sprintf("datagram %d", i); got[i] != want || from[i].Dst != netip.AddrPortFrom(loopback4, aport) {
			t.Fatalf("datagram %d = %q from %v, want %q from port %d", i, got[i], from[i], want, aport)
		}
	}
	if maxBatch > loopBatchSize {
		t.Errorf("a receive returned %d datagrams, more than the loop's batch of %d", maxBatch, loopBatchSize)
	}
}

// denyMmsg installs a seccomp filter on every thread of the process
// under which recvmmsg and sendmmsg fail with ENOSYS. It cannot be
// removed: only a child process may call it.
func denyMmsg() error {
	const (
		ldNr  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS // seccomp_data.nr, at offset 0
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
		allow = unix.SECCOMP_RET_ALLOW
		deny  = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
	)
	filter := []unix.SockFilter{
		{Code: ldNr},
		{Code: jeq, Jt: 2, K: unix.SYS_RECVMMSG},
		{Code: jeq, Jt: 1, K: unix.SYS_SENDMMSG},
		{Code: ret, K: allow},
		{Code: ret, K: deny},
	}
	prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	if _, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return errno
	}
	return nil
}
