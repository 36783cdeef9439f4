// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package main

import "time"

// isTerminal reports false where terminals are not recognised: colour then
// needs WG_COLOR_MODE=always.
func isTerminal(fd int) bool { return false }

// wallClock returns the time.
func wallClock() time.Time { return time.Now() }

// stdioBlockSize returns a common stdio buffer size.
func stdioBlockSize(fd int) int { return 4096 }
