// SPDX-License-Identifier: BSD-2-Clause

package bindtest

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/wgbsd/wgbsd/internal/conn"
)

// QueueLen is how many datagrams a Bind holds before it drops new ones,
// as a full socket buffer does.
const QueueLen = 1024

// BatchSize is the batch size a Bind reports.
const BatchSize = 32

// firstPort is the first port handed out for Open(0).
const firstPort = 49152

// Datagram is one datagram in flight.
type Datagram struct {
	From, To netip.AddrPort
	Data     []byte
}

// Action is what a Fault decides for a datagram.
type Action int

const (
	// Deliver delivers the datagram.
	Deliver Action = iota
	// Drop loses it.
	Drop
	// Duplicate delivers it twice.
	Duplicate
	// Hold keeps it until Release.
	Hold
)

// A Fault decides what happens to each datagram. It runs with the
// Network's lock held, so it must not call the Network or its Binds.
// d.Data is valid only during the call (the Network reuses its memory
// once the datagram is received or dropped): a Fault that keeps a
// datagram copies it.
type Fault func(d Datagram) Action

// poolBufSize is the capacity of the pooled datagram buffers; larger
// datagrams get buffers of their own.
const poolBufSize = 2048

// freeBufs holds datagram buffers for reuse, so that a benchmark's
// traffic does not measure the allocator.
var freeBufs = make(chan []byte, QueueLen)

// copyData returns a copy of b, in a pooled buffer when it fits one.
func copyData(b []byte) []byte {
	if len(b) <= poolBufSize {
		select {
		case buf := <-freeBufs:
			return append(buf[:0], b...)
		default:
			return append(make([]byte, 0, poolBufSize), b...)
		}
	}
	return append([]byte(nil), b...)
}

// freeData gives the buffer of a datagram that was received or dropped
// back for reuse.
func freeData(b []byte) {
	if cap(b) != poolBufSize {
		return
	}
	select {
	case freeBufs <- b:
	default:
	}
}

// Network connects Binds by address.
type Network struct {
	mu       sync.Mutex
	binds    map[netip.AddrPort]*Bind // by bound and by apparent address
	fault    Fault
	held     []Datagram
	nextPort uint16
	blocking bool
	// pending counts the datagrams queued at a Bind or handed out by a
	// receive function that has not been called again since.
	pending int
}

// NewNetwork returns an empty Network that delivers every datagram.
func NewNetwork() *Network {
	return &Network{binds: make(map[netip.AddrPort]*Bind), nextPort: firstPort}
}

// NewPair returns a Network with two Binds on 192.0.2.1 and 192.0.2.2
// (TEST-NET-1), not yet open.
func NewPair() (*Network, *Bind, *Bind) {
	n := NewNetwork()
	return n, n.NewBind(netip.MustParseAddr("192.0.2.1")), n.NewBind(netip.MustParseAddr("192.0.2.2"))
}

// SetFault installs f, or restores plain delivery when f is nil.
func (n *Network) SetFault(f Fault) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fault = f
}

// SetBlocking makes Send wait while a destination's queue is full,
// instead of dropping the datagram, as benchmarks need: a lossy network
// would measure retransmissions.
func (n *Network) SetBlocking(blocking bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.blocking = blocking
}

// Inject delivers d to d.To as if d.From had sent it, bypassing the
// Fault: a replayed, forged or late datagram.
func (n *Network) Inject(d Datagram) {
	d.Data = copyData(d.Data)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deliver(d)
}

// Idle reports whether every datagram sent has been consumed: none is
// queued or held, and each receive function that returned datagrams has
// been called again since, which is how its caller says it is done with
// them. Tests wait for it before they look at the result of traffic.
func (n *Network) Idle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pending == 0 && len(n.held) == 0
}

// Release delivers the held datagrams, oldest first.
func (n *Network) Release() {
	n.mu.Lock()
	defer n.mu.Unlock()
	held := n.held
	n.held = nil
	for _, d := range held {
		n.deliver(d)
	}
}

// Held returns how many datagrams are held.
func (n *Network) Held() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.held)
}

// NewBind returns a closed Bind on addr. Binds on one address must use
// different ports.
func (n *Network) NewBind(addr netip.Addr) *Bind {
	return &Bind{net: n, addr: addr}
}

// route applies the fault to a datagram; n.mu is held.
func (n *Network) route(d Datagram) {
	action := Deliver
	if n.fault != nil {
		action = n.fault(d)
	}
	switch action {
	case Deliver:
		n.deliver(d)
	case Duplicate:
		// The copy comes first: once d is queued, a receiver may take
		// it and give its buffer back for reuse.
		dup := Datagram{From: d.From, To: d.To, Data: copyData(d.Data)}
		n.deliver(d)
		n.deliver(dup)
	case Hold:
		n.held = append(n.held, d)
	default:
		freeData(d.Data)
	}
}

// deliver queues a datagram at its destination, or drops it if there is
// no such Bind or its queue is full. On a blocking Network a full queue
// is waited for, with n.mu released meanwhile; n.mu is held.
func (n *Network) deliver(d Datagram) {
	b := n.binds[d.To]
	if b == nil {
		freeData(d.Data)
		return
	}
	select {
	case b.inbox <- d:
		n.pending++
		return
	default:
	}
	if !n.blocking {
		freeData(d.Data)
		return
	}
	inbox, closed := b.inbox, b.closed
	n.pending++ // counted before the send, so the receiver never sees it uncounted
	n.mu.Unlock()
	select {
	case inbox <- d:
		n.mu.Lock()
	case <-closed:
		n.mu.Lock()
		n.pending--
		freeData(d.Data)
	}
}

// Bind is an in-memory conn.Bind on a Network.
type Bind struct {
	net  *Network
	addr netip.Addr

	// The fields below are guarded by net.mu.
	port   uint16
	source netip.AddrPort // apparent source; zero for the bound address
	inbox  chan Datagram
	closed chan struct{}
	mark   uint32
	// unacked is the number of datagrams the last receive call returned,
	// still counted as pending until the next call.
	unacked int
}

var _ conn.Bind = (*Bind)(nil)

// Open implements conn.Bind. Port 0 picks a free port.
func (b *Bind) Open(port uint16) (uint16, error) {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if b.inbox != nil {
		return 0, conn.ErrBindOpen
	}
	if port == 0 {
		for port = n.nextPort; n.binds[netip.AddrPortFrom(b.addr, port)] != nil; port++ {
		}
		n.nextPort = port + 1
	}
	self := netip.AddrPortFrom(b.addr, port)
	if n.binds[self] != nil {
		return 0, fmt.Errorf("bindtest: cannot listen on %v: %w", self, syscall.EADDRINUSE)
	}
	b.port, b.inbox, b.closed = port, make(chan Datagram, QueueLen), make(chan struct{})
	n.binds[self] = b
	if b.source.IsValid() {
		n.binds[b.source] = b
	}
	return port, nil
}

// Close implements conn.Bind.
func (b *Bind) Close() error {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if b.inbox == nil {
		return nil
	}
	b.unregister()
	close(b.closed)
	for drained := false; !drained; {
		select {
		case d := <-b.inbox:
			n.pending--
			freeData(d.Data)
		default:
			drained = true
		}
	}
	n.pending -= b.unacked
	b.unacked = 0
	b.inbox = nil
	return nil
}

// unregister removes the Bind's addresses from the Network; net.mu is
// held.
func (b *Bind) unregister() {
	for _, ap := range []netip.AddrPort{netip.AddrPortFrom(b.addr, b.port), b.source} {
		if b.net.binds[ap] == b {
			delete(b.net.binds, ap)
		}
	}
}

// Addr returns the address and port the Bind is bound to.
func (b *Bind) Addr() netip.AddrPort {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	return netip.AddrPortFrom(b.addr, b.port)
}

// SetSource makes the Bind's datagrams appear to come from src, which
// must not belong to another Bind, and makes datagrams sent to src reach
// it. The zero AddrPort restores the bound address. This is what a peer
// sees when the Bind's host roams or its NAT mapping changes.
func (b *Bind) SetSource(src netip.AddrPort) {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if b.source.IsValid() && n.binds[b.source] == b && b.source != netip.AddrPortFrom(b.addr, b.port) {
		delete(n.binds, b.source)
	}
	b.source = src
	if src.IsValid() && b.inbox != nil {
		n.binds[src] = b
	}
}

// Mark returns the mark last set with SetMark.
func (b *Bind) Mark() uint32 {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	return b.mark
}

// ReceiveFuncs implements conn.Bind: one function, for all families.
func (b *Bind) ReceiveFuncs() []conn.ReceiveFunc {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	if b.inbox == nil {
		return nil
	}
	inbox, closed := b.inbox, b.closed
	return []conn.ReceiveFunc{func(bufs [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		b.ack(closed)
		k, err := receive(inbox, closed, bufs, sizes, eps)
		b.handedOut(closed, k)
		return k, err
	}}
}

// ack marks the datagrams the last receive call returned as consumed,
// unless the Bind was closed meanwhile (Close consumed them).
func (b *Bind) ack(closed chan struct{}) {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	if b.closed == closed && b.inbox != nil {
		b.net.pending -= b.unacked
		b.unacked = 0
	}
}

// handedOut records that a receive call returned k datagrams: they stay
// pending until the next call. If the Bind was closed meanwhile, they
// are consumed at once.
func (b *Bind) handedOut(closed chan struct{}, k int) {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	if b.closed == closed && b.inbox != nil {
		b.unacked = k
	} else {
		b.net.pending -= k
	}
}

// receive waits for a datagram and returns as many as are queued.
func receive(inbox chan Datagram, closed chan struct{}, bufs [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
	var d Datagram
	select {
	case <-closed:
		return 0, net.ErrClosed
	case d = <-inbox:
	}
	n := 0
	for {
		sizes[n], eps[n] = copy(bufs[n], d.Data), conn.Endpoint{Dst: d.From}
		if len(d.Data) > len(bufs[n]) {
			sizes[n] = 0
		}
		freeData(d.Data)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case d = <-inbox:
		default:
			return n, nil
		}
	}
}

// Send implements conn.Bind: it hands a copy of each datagram to the
// Network.
func (b *Bind) Send(bufs [][]byte, ep conn.Endpoint) error {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if b.inbox == nil {
		return net.ErrClosed
	}
	from := b.source
	if !from.IsValid() {
		from = netip.AddrPortFrom(b.addr, b.port)
	}
	to := netip.AddrPortFrom(ep.Dst.Addr().Unmap(), ep.Dst.Port())
	for _, buf := range bufs {
		n.route(Datagram{From: from, To: to, Data: copyData(buf)})
	}
	return nil
}

// SetMark implements conn.Bind; Mark reports the value.
func (b *Bind) SetMark(mark uint32) error {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	b.mark = mark
	return nil
}

// BatchSize implements conn.Bind.
func (b *Bind) BatchSize() int { return BatchSize }
