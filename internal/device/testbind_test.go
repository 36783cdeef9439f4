// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"sync"

	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
)

// testBind is a bindtest.Bind with what the engine's tests add on one
// host: a filter that sees what it sends, a hook run at the start of each
// receive call, and a count of Open calls.
type testBind struct {
	*bindtest.Bind
	net *bindtest.Network

	mu sync.Mutex
	// filter, when set, sees every outgoing datagram and drops it by
	// returning false.
	filter func(pkt []byte, dst netip.AddrPort) bool
	// recvHook, when set, runs at the start of each receive call; an
	// error it returns is the call's result.
	recvHook func() error
	opens    int
}

var _ conn.Bind = (*testBind)(nil)

// newTestBind returns a closed bind on n for the host at addr.
func newTestBind(n *bindtest.Network, addr string) *testBind {
	return &testBind{Bind: n.NewBind(netip.MustParseAddr(addr)), net: n}
}

// local returns the bind's address and port.
func (b *testBind) local() netip.AddrPort { return b.Addr() }

// setAddr moves the host to a new address (roaming), keeping the socket.
func (b *testBind) setAddr(addr string) {
	b.SetSource(netip.AddrPortFrom(netip.MustParseAddr(addr), b.Addr().Port()))
}

func (b *testBind) setFilter(f func(pkt []byte, dst netip.AddrPort) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.filter = f
}

func (b *testBind) setRecvHook(f func() error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recvHook = f
}

// openCount returns how many times the bind was opened.
func (b *testBind) openCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opens
}

func (b *testBind) Open(port uint16) (uint16, error) {
	b.mu.Lock()
	b.opens++
	b.mu.Unlock()
	return b.Bind.Open(port)
}

func (b *testBind) ReceiveFuncs() []conn.ReceiveFunc {
	fns := b.Bind.ReceiveFuncs()
	for i, fn := range fns {
		fns[i] = func(bufs [][]byte, sizes []int, eps []conn.Endpoint) (int, error) {
			b.mu.Lock()
			hook := b.recvHook
			b.mu.Unlock()
			if hook != nil {
				if err := hook(); err != nil {
					return 0, err
				}
			}
			return fn(bufs, sizes, eps)
		}
	}
	return fns
}

func (b *testBind) Send(bufs [][]byte, ep conn.Endpoint) error {
	b.mu.Lock()
	filter := b.filter
	b.mu.Unlock()
	if filter != nil {
		kept := bufs[:0:0]
		for _, buf := range bufs {
			if filter(buf, ep.Dst) {
				kept = append(kept, buf)
			}
		}
		bufs = kept
	}
	return b.Bind.Send(bufs, ep)
}
