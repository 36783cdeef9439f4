// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether fd is a terminal, as isatty(3) decides: the
// terminal attributes can be read.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, termiosGet)
	return err == nil
}

// wallClock returns the time as time(3) sees it, on timeClock; wg(8)
// compares handshakes with it ("Now", "1 second ago").
func wallClock() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(timeClock, &ts); err != nil {
		return time.Now()
	}
	return time.Unix(ts.Unix())
}

// stdioBlockSize returns the buffer size the C library gives a fully
// buffered stream on fd: the file's st_blksize, or stdioBufSiz when that
// is not positive.
func stdioBlockSize(fd int) int {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Blksize <= 0 {
		return stdioBufSiz
	}
	return int(st.Blksize)
}
