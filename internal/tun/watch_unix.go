// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// readDeadliner is a notification socket whose reads can time out.
type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

// watchLoop reads kernel notifications from r into buf and hands each to
// handle until a read fails or handle or resync returns false. A read
// that fails with ENOBUFS means the kernel dropped notifications for
// lack of room in the socket: resync, which reads the interface's state
// afresh, stands in for whatever was lost, and the loop goes on. When
// every is not zero and r can time out, resync also runs after every
// that long without one, for losses that nothing reports.
func watchLoop(r io.Reader, buf []byte, handle func(msg []byte) bool, resync func() bool, every time.Duration) {
	dr, _ := r.(readDeadliner)
	if every <= 0 {
		dr = nil
	}
	rearm := func() {
		if dr != nil {
			dr.SetReadDeadline(time.Now().Add(every))
		}
	}
	rearm()
	for {
		n, err := r.Read(buf)
		switch {
		case errors.Is(err, unix.ENOBUFS), dr != nil && errors.Is(err, os.ErrDeadlineExceeded):
			if !resync() {
				return
			}
			rearm()
			continue
		case err != nil:
			return
		}
		if !handle(buf[:n]) {
			return
		}
	}
}
