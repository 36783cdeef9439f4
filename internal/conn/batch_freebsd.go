// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// batchSize is the batch of FreeBSD's loopIO (batch_loop_unix.go).
const batchSize = loopBatchSize

func newSocketIO(_ *net.UDPConn, rc syscall.RawConn) (socketIO, error) {
	return newLoopIO(rc, bsdSockaddr), nil
}

// socketBuffer is the send and receive buffer size asked for first. The
// kernel refuses sizes above what kern.ipc.maxsockbuf allows (about 1.8
// MiB by default), so smaller sizes are tried down to minSocketBuffer.
const (
	socketBuffer    = 7 << 20
	minSocketBuffer = 256 << 10
)

// setSockopts sets the socket buffers and, when one is set, the mark.
func setSockopts(fd uintptr, mark uint32, markSet bool) error {
	for _, opt := range []int{unix.SO_RCVBUF, unix.SO_SNDBUF} {
		for size := socketBuffer; size >= minSocketBuffer; size /= 2 {
			if err := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, size); !errors.Is(err, unix.ENOBUFS) {
				break
			}
		}
	}
	if markSet {
		return setMark(fd, mark)
	}
	return nil
}

// setMark sets SO_USER_COOKIE, which ipfw and pf can match, as if_wg does
// with its user-cookie.
func setMark(fd uintptr, mark uint32) error {
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_USER_COOKIE, int(mark))
}
