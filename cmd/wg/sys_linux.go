// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"time"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether fd is a terminal, as isatty(3) decides: the
// terminal attributes can be read.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// wallClock returns the time as time(3) sees it. glibc's time(3) reads
// the coarse clock, which lags the precise one by up to a scheduler tick;
// wg(8) compares handshakes with it ("Now", "1 second ago").
func wallClock() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME_COARSE, &ts); err != nil {
		return time.Now()
	}
	return time.Unix(ts.Unix())
}

// stdioBlockSize returns the buffer size the C library gives a fully
// buffered stream on fd: glibc's stdio uses the file's st_blksize, or BUFSIZ (8192) when that is not positive.
func stdioBlockSize(fd int) int {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Blksize <= 0 {
		return 8192
	}
	return int(st.Blksize)
}
