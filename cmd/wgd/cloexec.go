// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"syscall"
)

// maxInheritedScan bounds the descriptors markInherited inspects one by
// one where neither close_range(2) nor a listing of the open descriptors
// is available. Go raises the soft RLIMIT_NOFILE to the hard one at start,
// so the limit alone can be far above any descriptor a starter could have
// handed on; the scan stops at the lower of the two.
const maxInheritedScan = 1 << 20

// closeInheritedOnExec marks every descriptor above the standard three
// close-on-exec, so that the daemon copy inherits none of those its
// starter was given (a pipe on descriptor 9 would otherwise stay open as
// long as the daemon runs); the copy gets only the descriptors startDaemon
// hands it. Descriptors wgd opens itself are close-on-exec already.
func closeInheritedOnExec() {
	markInherited(closeRangeOnExec, openFDs, noFileLimit, syscall.CloseOnExec)
}

// markInherited marks the descriptors above 2 with mark: all of them with
// one rangeOnExec call where the kernel has it (Linux 5.11, FreeBSD 13.1),
// else each descriptor list names (Linux's /proc/self/fd), else every
// number below the lower of limit and maxInheritedScan.
func markInherited(rangeOnExec func(low uint) error, list func() ([]int, error), limit func() uint64, mark func(fd int)) {
	if rangeOnExec(3) == nil {
		return
	}
	if fds, err := list(); err == nil {
		for _, fd := range fds {
			if fd > 2 {
				mark(fd)
			}
		}
		return
	}
	n := min(limit(), maxInheritedScan)
	for fd := 3; uint64(fd) < n; fd++ {
		mark(fd)
	}
}

// noFileLimit returns the soft RLIMIT_NOFILE, or maxInheritedScan when it
// cannot be read.
func noFileLimit() uint64 {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return maxInheritedScan
	}
	return uint64(lim.Cur)
}
