// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/wgbsd/wgbsd/internal/conn"
)

// memNet is an in-memory UDP network joining memBinds. Datagrams to an
// address nobody listens on vanish; a full receive queue drops them, like
// a socket buffer, unless the network is blocking (for benchmarks), in
// which case Send waits.
type memNet struct {
	mu       sync.Mutex
	binds    map[netip.AddrPort]*memBind
	blocking bool
	dropped  atomic.Int64
	// inflight counts datagrams queued and not yet received.
	inflight atomic.Int64
	pool     sync.Pool
}

func newMemNet() *memNet {
	n := &memNet{binds: make(map[netip.AddrPort]*memBind)}
	n.pool.New = func() any { return &memPacket{buf: make([]byte, MinBufferSize)} }
	return n
}

// memPacket is a datagram in flight.
type memPacket struct {
	buf []byte
	n   int
	src netip.AddrPort
}

// memBind is one host's UDP socket on a memNet.
type memBind struct {
	net   *memNet
	batch int

	mu     sync.Mutex
	addr   netip.Addr
	port   uint16
	queue  chan *memPacket
	closed chan struct{}
	mark   uint32
	// filter, when set, sees every outgoing datagram and drops it by
	// returning false.
	filter func(pkt []byte, dst netip.AddrPort) bool
	// recvHook, when set, runs at the start of each receive call; an
	// error it returns is the call's result.
	recvHook func() error

	fns  []conn.ReceiveFunc
	sent atomic.Int64
	// unacked counts datagrams handed to the device by the last receive
	// call; the device has finished dispatching them when it calls again.
	unacked atomic.Int64
}

var _ conn.Bind = (*memBind)(nil)

// newBind returns a closed bind for the host at addr.
func (n *memNet) newBind(addr string) *memBind {
	return &memBind{net: n, addr: netip.MustParseAddr(addr), batch: 16}
}

// local returns the bind's current address and port.
func (b *memBind) local() netip.AddrPort {
	b.mu.Lock()
	defer b.mu.Unlock()
	return netip.AddrPortFrom(b.addr, b.port)
}

// setAddr moves the host to a new address (roaming), keeping the socket.
func (b *memBind) setAddr(addr string) {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	old := netip.AddrPortFrom(b.addr, b.port)
	b.addr = netip.MustParseAddr(addr)
	if n.binds[old] == b {
		delete(n.binds, old)
		n.binds[netip.AddrPortFrom(b.addr, b.port)] = b
	}
}

func (b *memBind) setRecvHook(f func() error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recvHook = f
}

func (b *memBind) setFilter(f func(pkt []byte, dst netip.AddrPort) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filter = f
}

func (b *memBind) Open(port uint16) (uint16, error) {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queue != nil {
		return 0, fmt.Errorf("membind: %w", conn.ErrBindOpen)
	}
	if port == 0 {
		for {
			port = uint16(rand.N(20000) + 40000)
			if n.binds[netip.AddrPortFrom(b.addr, port)] == nil {
				break
			}
		}
	} else if n.binds[netip.AddrPortFrom(b.addr, port)] != nil {
		return 0, &net.OpError{Op: "listen", Net: "udp", Err: syscall.EADDRINUSE}
	}
	b.port = port
	queue := make(chan *memPacket, 4096)
	closed := make(chan struct{})
	b.queue, b.closed = queue, closed
	hook := b.recvHook
	n.binds[netip.AddrPortFrom(b.addr, port)] = b
	recv := func(bufs [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
		b.unacked.Store(0)
		if hook != nil {
			if err := hook(); err != nil {
				return 0, err
			}
		}
		var p *memPacket
		select {
		case p = <-queue:
		case <-closed:
			return 0, net.ErrClosed
		}
		i := 0
		for {
			sizes[i] = copy(bufs[i], p.buf[:p.n])
			eps[i] = conn.Endpoint{Dst: p.src}
			n.pool.Put(p)
			b.unacked.Add(1)
			n.inflight.Add(-1)
			i++
			if i == len(bufs) {
				return i, nil
			}
			select {
			case p = <-queue:
			default:
				return i, nil
			}
		}
	}
	b.fns = []conn.ReceiveFunc{recv}
	return port, nil
}

func (b *memBind) ReceiveFuncs() []conn.ReceiveFunc {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fns
}

func (b *memBind) Close() error {
	n := b.net
	n.mu.Lock()
	defer n.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.queue == nil {
		return nil
	}
	delete(n.binds, netip.AddrPortFrom(b.addr, b.port))
	close(b.closed)
	b.fns = nil
	for drained := false; !drained; {
		select {
		case p := <-b.queue:
			n.inflight.Add(-1)
			n.pool.Put(p)
		default:
			drained = true
		}
	}
	b.queue, b.closed = nil, nil
	return nil
}

func (b *memBind) SetMark(mark uint32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mark = mark
	return nil
}

func (b *memBind) BatchSize() int { return b.batch }

func (b *memBind) Send(bufs [][]byte, to conn.Endpoint) error {
	ep := to.Dst
	b.mu.Lock()
	src := netip.AddrPortFrom(b.addr, b.port)
	open := b.queue != nil
	filter := b.filter
	b.mu.Unlock()
	if !open {
		return net.ErrClosed
	}
	for _, buf := range bufs {
		if filter != nil && !filter(buf, ep) {
			continue
		}
		b.sent.Add(1)
		b.net.deliver(buf, src, ep)
	}
	return nil
}

// deliver puts a copy of buf on the queue of whoever listens on dst.
func (n *memNet) deliver(buf []byte, src, dst netip.AddrPort) {
	n.mu.Lock()
	to := n.binds[netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())]
	var queue chan *memPacket
	var closed chan struct{}
	if to != nil {
		to.mu.Lock()
		queue, closed = to.queue, to.closed
		to.mu.Unlock()
	}
	n.mu.Unlock()
	if queue == nil {
		n.dropped.Add(1)
		return
	}
	n.inflight.Add(1)
	p := n.pool.Get().(*memPacket)
	if len(p.buf) < len(buf) {
		p.buf = make([]byte, len(buf))
	}
	p.n = copy(p.buf, buf)
	p.src = src
	if n.blocking {
		select {
		case queue <- p:
		case <-closed:
			n.inflight.Add(-1)
			n.pool.Put(p)
		}
		return
	}
	select {
	case queue <- p:
	default:
		n.inflight.Add(-1)
		n.dropped.Add(1)
		n.pool.Put(p)
	}
}
