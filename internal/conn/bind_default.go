// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package conn

import (
	"net"
	"net/netip"
	"syscall"
)

// batchSize is 1: package net moves one datagram per call.
const batchSize = 1

// netIO moves datagrams through package net, one per call, on systems
// without a batched implementation.
type netIO struct {
	conn *net.UDPConn
}

func newSocketIO(conn *net.UDPConn, _ syscall.RawConn) (socketIO, error) {
	return netIO{conn: conn}, nil
}

// coalesce does nothing: package net receives one datagram at a time.
func (n netIO) coalesce() {}

func (n netIO) batchSize() int { return batchSize }

func (n netIO) receive(bufs [][]byte, sizes, segs []int, eps []Endpoint) (int, error) {
	if segs != nil {
		segs[0] = 0
	}
	size, from, err := n.conn.ReadFromUDPAddrPort(bufs[0])
	if err != nil {
		return 0, err
	}
	sizes[0], eps[0] = size, Endpoint{Dst: from}
	return 1, nil
}

func (n netIO) send(bufs [][]byte, dst netip.AddrPort) error {
	var first error
	for _, b := range bufs {
		if _, err := n.conn.WriteToUDPAddrPort(b, dst); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// setSockopts only refuses a mark.
func setSockopts(fd uintptr, mark uint32, markSet bool) error {
	if markSet {
		return setMark(fd, mark)
	}
	return nil
}

func setMark(_ uintptr, mark uint32) error {
	if mark != 0 {
		return ErrMarkUnsupported
	}
	return nil
}
