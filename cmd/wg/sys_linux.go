// SPDX-License-Identifier: BSD-2-Clause

package main

import "golang.org/x/sys/unix"

const (
	// termiosGet is the ioctl that reads a terminal's attributes.
	termiosGet = unix.TCGETS
	// timeClock is the clock glibc's time(3) reads: the coarse one,
	// which lags the precise one by up to a scheduler tick.
	timeClock = unix.CLOCK_REALTIME_COARSE
	// stdioBufSiz is glibc's BUFSIZ.
	stdioBufSiz = 8192
)
