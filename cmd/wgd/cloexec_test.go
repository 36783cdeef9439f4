// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// noCloseRange stands in for a kernel without CLOSE_RANGE_CLOEXEC (Linux
// before 5.11, FreeBSD before 13.1), forcing the fallback.
func noCloseRange(uint) error { return syscall.EINVAL }

// TestMarkInheritedHighDescriptor forces the fallback and checks that
// the highest descriptor this process may have, above 65536 where the
// limit can be raised that far (Go raises the soft limit to the hard one,
// and the old scan stopped at 65536), is marked close-on-exec.
func TestMarkInheritedHighDescriptor(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("lists /proc/self/fd")
	}
	const want = 70000
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if old.Cur <= want {
		// Raising the hard limit needs privilege the test may not have.
		raised := syscall.Rlimit{Cur: want + 1, Max: max(old.Max, want+1)}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		}
	}
	high := int(min(noFileLimit()-1, want))
	t.Logf("descriptor %d", high)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if err := unix.Dup2(int(w.Fd()), high); err != nil { // dup2 clears FD_CLOEXEC
		t.Fatal(err)
	}
	defer syscall.Close(high)
	markInherited(noCloseRange, openFDs, noFileLimit, syscall.CloseOnExec)
	flags, err := unix.FcntlInt(uintptr(high), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("descriptor %d: flags %#x, %v; want close-on-exec", high, flags, err)
	}
}

// TestMarkInheritedScan pins the order of the fallbacks with stand-ins:
// a listing, when there is one, is used as it is (above 2); without one,
// every number below the lower of the limit and maxInheritedScan.
func TestMarkInheritedScan(t *testing.T) {
	var marked []int
	mark := func(fd int) { marked = append(marked, fd) }
	markInherited(func(uint) error { return nil }, nil, nil, mark)
	if len(marked) != 0 {
		t.Errorf("close_range worked, yet marked %v", marked)
	}
	markInherited(noCloseRange, func() ([]int, error) { return []int{0, 1, 2, 5, 200000}, nil }, nil, mark)
	if len(marked) != 2 || marked[0] != 5 || marked[1] != 200000 {
		t.Errorf("listed: marked %v", marked)
	}
	noList := func() ([]int, error) { return nil, errors.ErrUnsupported }
	for _, tc := range []struct{ limit, last uint64 }{{10, 9}, {1 << 40, maxInheritedScan - 1}} {
		marked = marked[:0]
		markInherited(noCloseRange, noList, func() uint64 { return tc.limit }, mark)
		if len(marked) == 0 || marked[0] != 3 || uint64(marked[len(marked)-1]) != tc.last {
			t.Errorf("limit %d: marked %d descriptors, last %v", tc.limit, len(marked), marked[len(marked)-1:])
		}
	}
}
