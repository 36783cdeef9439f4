// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package main

import (
	"math"

	"golang.org/x/sys/unix"
)

// closeRangeCloexec is CLOSE_RANGE_CLOEXEC, the same on Linux
// (include/uapi/linux/close_range.h) and FreeBSD (sys/sys/unistd.h:
// "#define CLOSE_RANGE_CLOEXEC (1<<2)"; sys/kern/kern_descrip.c: "if
// ((flags & CLOSE_RANGE_CLOEXEC) != 0) return (close_range_cloexec(td,
// lowfd, highfd));").
const closeRangeCloexec = 1 << 2

// closeRangeOnExec marks the descriptors from low up close-on-exec with
// one close_range(2); Linux before 5.11 and FreeBSD before 13.1 refuse the
// flag.
func closeRangeOnExec(low uint) error {
	_, _, en := unix.Syscall(unix.SYS_CLOSE_RANGE, uintptr(low), math.MaxUint32, closeRangeCloexec)
	if en != 0 {
		return en
	}
	return nil
}
