// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"
)

// watchLoop reads kernel notifications from r into buf and hands each to
// handle until a read fails or handle or resync returns false. A read
// that fails with ENOBUFS means the kernel dropped notifications for
// lack of room in the socket: resync, which reads the interface's state
// afresh, stands in for whatever was lost, and the loop goes on.
func watchLoop(r io.Reader, buf []byte, handle func(msg []byte) bool, resync func() bool) {
	for {
		n, err := r.Read(buf)
		switch {
		case errors.Is(err, unix.ENOBUFS):
			if !resync() {
				return
			}
			continue
		case err != nil:
			return
		}
		if !handle(buf[:n]) {
			return
		}
	}
}
