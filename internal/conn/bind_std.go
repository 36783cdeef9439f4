// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
)

// socketIO moves batches of datagrams through one socket. Each platform
// provides it (see newSocketIO); receive is called by one goroutine at a
// time, send by any number.
type socketIO interface {
	// receive fills segs, when it is not nil, as a SegmentReceiveFunc
	// does; without segs it receives no coalesced message.
	receive(bufs [][]byte, sizes, segs []int, eps []Endpoint) (int, error)
	send(bufs [][]byte, dst netip.AddrPort) error
	// coalesce asks the kernel to coalesce received datagrams from now
	// on, where the platform can.
	coalesce()
	// batchSize is the most datagrams one receive moves.
	batchSize() int
}

// senderPool hands out the per-call state of a socket's sends, so that
// concurrent sends each have their own and a send allocates nothing.
// Embedded in a socketIO, it provides send; pool.New makes an S.
type senderPool[S interface {
	send(bufs [][]byte, dst netip.AddrPort) error
}] struct {
	pool sync.Pool
}

func (p *senderPool[S]) send(bufs [][]byte, dst netip.AddrPort) error {
	s := p.pool.Get().(S)
	err := s.send(bufs, dst)
	p.pool.Put(s)
	return err
}

// socket is one open UDP socket of a Bind.
type socket struct {
	conn *net.UDPConn
	rc   syscall.RawConn
	io   socketIO
}

// stdBind is the Bind of every platform; the system calls that move the
// datagrams are the platform's socketIO.
type stdBind struct {
	mu      sync.RWMutex
	v4, v6  *socket
	fns     []ReceiveFunc
	mark    uint32
	markSet bool
	// batch is the batch size of the open sockets, 0 when closed.
	batch atomic.Int32
}

var _ SegmentBind = (*stdBind)(nil)

// NewBind returns a closed Bind for the system's UDP sockets.
func NewBind() Bind { return &stdBind{} }

// maxPortTries bounds the attempts to find a port that is free for both
// IPv4 and IPv6 when the system picks it.
const maxPortTries = 100

// Open implements Bind.
func (b *stdBind) Open(port uint16) (uint16, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.v4 != nil || b.v6 != nil {
		return 0, ErrBindOpen
	}
	var err error
	for range maxPortTries {
		var actual uint16
		actual, err = b.openPair(port)
		if err == nil {
			b.fns = nil
			b.batch.Store(int32(b.v4.io.batchSize()))
			for _, s := range b.sockets() {
				io := s.io
				b.fns = append(b.fns, func(bufs [][]byte, sizes []int, eps []Endpoint) (int, error) {
					return io.receive(bufs, sizes, nil, eps)
				})
			}
			return actual, nil
		}
		if port != 0 || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return 0, err
}

// openPair binds IPv4 to port, then IPv6 to the port IPv4 got.
func (b *stdBind) openPair(port uint16) (uint16, error) {
	v4, err := b.listen("udp4", port)
	if err != nil {
		return 0, err
	}
	actual := uint16(v4.conn.LocalAddr().(*net.UDPAddr).Port)
	v6, err := b.listen("udp6", actual)
	if err != nil && !ipv6Unavailable(err) {
		v4.conn.Close()
		return 0, err
	}
	b.v4, b.v6 = v4, v6
	return actual, nil
}

// ipv6Unavailable reports whether err means that the host has no IPv6,
// as opposed to a port conflict.
func ipv6Unavailable(err error) bool {
	return errors.Is(err, syscall.EAFNOSUPPORT) || errors.Is(err, syscall.EPROTONOSUPPORT) ||
		errors.Is(err, syscall.EADDRNOTAVAIL)
}

// listen opens one socket; network is "udp4" or "udp6", and the latter
// is IPv6-only.
func (b *stdBind) listen(network string, port uint16) (*socket, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) { err = setSockopts(fd, b.mark, b.markSet) }); cerr != nil {
			return cerr
		}
		return err
	}}
	addr := "0.0.0.0"
	if network == "udp6" {
		addr = "::"
	}
	pc, err := lc.ListenPacket(context.Background(), network, net.JoinHostPort(addr, strconv.Itoa(int(port))))
	if err != nil {
		return nil, fmt.Errorf("conn: cannot listen on %s port %d: %w", network, port, err)
	}
	s := &socket{conn: pc.(*net.UDPConn)}
	if s.rc, err = s.conn.SyscallConn(); err == nil {
		s.io, err = newSocketIO(s.conn, s.rc)
	}
	if err != nil {
		s.conn.Close()
		return nil, fmt.Errorf("conn: %s: %w", network, err)
	}
	return s, nil
}

// ReceiveFuncs implements Bind.
func (b *stdBind) ReceiveFuncs() []ReceiveFunc {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return append([]ReceiveFunc(nil), b.fns...)
}

// SegmentReceiveFuncs implements SegmentBind.
func (b *stdBind) SegmentReceiveFuncs() []SegmentReceiveFunc {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var fns []SegmentReceiveFunc
	for _, s := range b.sockets() {
		s.io.coalesce()
		fns = append(fns, s.io.receive)
	}
	return fns
}

// sockets returns the open sockets, IPv4 first.
func (b *stdBind) sockets() []*socket {
	var s []*socket
	if b.v4 != nil {
		s = append(s, b.v4)
	}
	if b.v6 != nil {
		s = append(s, b.v6)
	}
	return s
}

// Send implements Bind.
func (b *stdBind) Send(bufs [][]byte, ep Endpoint) error {
	dst := ep.Dst
	if dst.Addr().Is4In6() {
		dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	}
	b.mu.RLock()
	s := b.v6
	if dst.Addr().Is4() {
		s = b.v4
	}
	closed := b.v4 == nil
	b.mu.RUnlock()
	switch {
	case closed:
		return net.ErrClosed
	case s == nil:
		return ErrNoSocket
	}
	return s.io.send(bufs, dst)
}

// SetMark implements Bind.
func (b *stdBind) SetMark(mark uint32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range []*socket{b.v4, b.v6} {
		if s == nil {
			continue
		}
		var err error
		if cerr := s.rc.Control(func(fd uintptr) { err = setMark(fd, mark) }); cerr != nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("conn: cannot set the mark: %w", err)
		}
	}
	b.mark, b.markSet = mark, true
	return nil
}

// BatchSize implements Bind: the batch size of the open sockets, which
// on Linux depends on the offloads they were opened with, or the
// platform's when the Bind is closed.
func (b *stdBind) BatchSize() int {
	if n := b.batch.Load(); n > 0 {
		return int(n)
	}
	return batchSize
}

// Close implements Bind.
func (b *stdBind) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, s := range []*socket{b.v4, b.v6} {
		if s != nil {
			errs = append(errs, s.conn.Close())
		}
	}
	b.v4, b.v6, b.fns = nil, nil, nil
	b.batch.Store(0)
	return errors.Join(errs...)
}

// interfaceIndex returns the index of the named interface, or 0.
func interfaceIndex(name string) uint32 {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0
	}
	return uint32(ifi.Index)
}
