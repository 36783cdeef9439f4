// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"syscall"
)

// maxInheritedScan bounds the descriptors closeInheritedOnExec inspects
// one by one where close_range(2) cannot mark them.
const maxInheritedScan = 1 << 16

// closeInheritedOnExec marks every descriptor above the standard three
// close-on-exec, so that the daemon copy inherits none of those its
// starter was given (a pipe on descriptor 9 would otherwise stay open as
// long as the daemon runs); the copy gets only the descriptors startDaemon
// hands it. Descriptors wgd opens itself are close-on-exec already.
func closeInheritedOnExec() {
	if closeRangeOnExec(3) == nil {
		return
	}
	var lim syscall.Rlimit
	n := uint64(maxInheritedScan)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		n = min(n, uint64(lim.Cur))
	}
	for fd := 3; uint64(fd) < n; fd++ {
		syscall.CloseOnExec(fd)
	}
}
