// SPDX-License-Identifier: BSD-2-Clause

package main

import "golang.org/x/sys/unix"

const (
	// termiosGet is the ioctl that reads a terminal's attributes.
	termiosGet = unix.TIOCGETA
	// timeClock is the clock FreeBSD's time(3) reads: CLOCK_SECOND,
	// whole seconds updated once per tick, which lags the precise clock
	// by up to a tick.
	timeClock = unix.CLOCK_SECOND
	// stdioBufSiz is FreeBSD's BUFSIZ.
	stdioBufSiz = 1024
)
