// SPDX-License-Identifier: BSD-2-Clause

package tun_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

var netnsSeq atomic.Int32

// enterNetns creates a network namespace named wgbsd-tun-<pid>-<n> and
// moves the calling goroutine, locked to its thread, into it until the
// test ends; then the thread goes back and the namespace is deleted.
// Everything the test creates (interfaces, sockets) lives in that
// namespace, and dies with it. The test must not call t.Parallel or run
// subtests that need the namespace: other goroutines stay outside.
func enterNetns(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireTool(t, "", "ip")
	name := fmt.Sprintf("wgbsd-tun-%d-%d", os.Getpid(), netnsSeq.Add(1))
	ip(t, "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})

	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("open own netns: %v", err)
	}
	target, err := unix.Open("/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		err = unix.Setns(target, unix.CLONE_NEWNET)
		unix.Close(target)
	}
	if err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		t.Fatalf("enter netns %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer unix.Close(orig)
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			// Stay locked: the runtime discards the thread when the
			// goroutine ends, so no other goroutine runs in the
			// namespace.
			t.Errorf("leave netns %s: %v", name, err)
			return
		}
		runtime.UnlockOSThread()
	})
	return name
}

// ip runs ip(8) and fails the test on error.
func ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// subscribeRoutes opens a netlink socket, in the calling thread's
// namespace, that receives IPv6 route changes.
func subscribeRoutes(t *testing.T) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err == nil {
		err = unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_IPV6_ROUTE})
	}
	if err != nil {
		t.Fatalf("netlink: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// waitLocalRoute reads route notifications until the kernel announces
// the local route of addr.
func waitLocalRoute(t *testing.T, fd int, addr netip.Addr) {
	t.Helper()
	buf := make([]byte, 1<<16)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			t.Fatalf("netlink read: %v", err)
		}
		for b := buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
			l := int(binary.NativeEndian.Uint32(b))
			if l < unix.SizeofNlMsghdr || l > len(b) {
				break
			}
			if isLocalRoute(b[:l], addr) {
				return
			}
			b = b[min((l+3)&^3, len(b)):]
		}
	}
}

// isLocalRoute reports whether m is RTM_NEWROUTE for a local route to
// addr: struct rtmsg (12 bytes, rtm_type at 7) after the header, then
// attributes, among them RTA_DST.
func isLocalRoute(m []byte, addr netip.Addr) bool {
	const rtmsgLen, rtmTypeOff = 12, 7
	if binary.NativeEndian.Uint16(m[4:]) != unix.RTM_NEWROUTE || len(m) < unix.SizeofNlMsghdr+rtmsgLen {
		return false
	}
	rtm := m[unix.SizeofNlMsghdr:]
	if rtm[rtmTypeOff] != unix.RTN_LOCAL {
		return false
	}
	for a := rtm[rtmsgLen:]; len(a) >= 4; {
		l, typ := int(binary.NativeEndian.Uint16(a)), binary.NativeEndian.Uint16(a[2:])
		if l < 4 || l > len(a) {
			return false
		}
		if typ == unix.RTA_DST && l == 4+16 {
			return netip.AddrFrom16([16]byte(a[4:20])) == addr
		}
		a = a[min((l+3)&^3, len(a)):]
	}
	return false
}
