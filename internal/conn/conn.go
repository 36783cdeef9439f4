// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"errors"
	"net/netip"
)

// IdealBatchSize is the batch size the Linux Bind uses: the number of
// datagrams one system call moves at most.
const IdealBatchSize = 128

// A ReceiveFunc waits for at least one datagram on one socket and
// receives as many as are ready, at most len(bufs). Datagram i is stored
// at the start of bufs[i], its length in sizes[i] and its sender in
// eps[i]; n is the number of datagrams. A size of 0 marks a datagram that
// did not fit its buffer, which the caller skips. len(sizes) and len(eps)
// must be at least len(bufs), and each buffer must be non-empty. A
// ReceiveFunc is called by one goroutine at a time. After the Bind is
// closed it fails with an error that wraps net.ErrClosed.
type ReceiveFunc func(bufs [][]byte, sizes []int, eps []Endpoint) (n int, err error)

// A SegmentReceiveFunc is a ReceiveFunc that also takes messages in
// which the kernel coalesced several datagrams of one sender (UDP_GRO on
// Linux): segs[i] is then the size of each datagram in bufs[i], all equal
// but the last, which may be shorter, and sizes[i] their total. segs[i] is
// 0 when bufs[i] holds one datagram. len(segs) must be at least len(bufs).
type SegmentReceiveFunc func(bufs [][]byte, sizes, segs []int, eps []Endpoint) (n int, err error)

// SegmentBind is a Bind whose sockets can hand over coalesced datagrams.
type SegmentBind interface {
	Bind
	// SegmentReceiveFuncs is ReceiveFuncs for a receiver that splits
	// coalesced messages: it asks the kernel to coalesce where it can,
	// which costs one pass through the stack per message instead of
	// one per datagram. After an Open, use either these or
	// ReceiveFuncs, not both.
	SegmentReceiveFuncs() []SegmentReceiveFunc
}

// Endpoint is the address of a peer's UDP socket. It is a small
// comparable value, so it can be stored, compared and used as a map key
// without allocating. An IPv4-mapped IPv6 address is sent as IPv4.
type Endpoint struct {
	// Dst is the peer's address and port.
	Dst netip.AddrPort
}

// String returns the address in host:port form.
func (e Endpoint) String() string { return e.Dst.String() }

// Bind is a pair of UDP sockets, IPv4 and IPv6, on one port.
//
// Send, SetMark and BatchSize are safe for concurrent use, also with the
// ReceiveFuncs. Open and Close are not meant to race with each other. A
// closed Bind may be opened again; its ReceiveFuncs must then be fetched
// again.
type Bind interface {
	// Open binds the sockets to port, or to a port the system picks
	// when port is 0, and returns the port. IPv6 is bound to the same
	// port as IPv4; if the host has no IPv6, only IPv4 is bound.
	Open(port uint16) (actualPort uint16, err error)

	// ReceiveFuncs returns one ReceiveFunc per open socket, IPv4 first.
	ReceiveFuncs() []ReceiveFunc

	// Send sends each of bufs, whole, as one datagram to ep, in order.
	// len(bufs) may exceed BatchSize. A datagram the kernel refuses
	// does not stop the others; the error of the first is returned.
	Send(bufs [][]byte, ep Endpoint) error

	// SetMark sets the mark of every datagram sent, now and after
	// later Opens: SO_MARK on Linux (for policy routing), SO_USER_COOKIE
	// on FreeBSD. 0 clears it.
	SetMark(mark uint32) error

	// BatchSize is the number of buffers the engine should pass to a
	// ReceiveFunc, and the batch size Send is tuned for.
	BatchSize() int

	// Close closes the sockets and makes the ReceiveFuncs return.
	Close() error
}

// Errors of a Bind. They are wrapped with details; test them with
// errors.Is.
var (
	// ErrBindOpen means Open was called on an open Bind.
	ErrBindOpen = errors.New("conn: bind is already open")
	// ErrNoSocket means Send got an endpoint whose address family has
	// no open socket: IPv6 on a host without IPv6.
	ErrNoSocket = errors.New("conn: no socket for the endpoint's address family")
	// ErrMarkUnsupported means the system cannot mark datagrams.
	ErrMarkUnsupported = errors.New("conn: marks are not supported on this system")
)
