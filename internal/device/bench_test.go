// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/tun"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// benchTUN is an allocation-free tun.Device for benchmarks: Read hands
// out copies of one template packet, as many as have been fed, and Write
// counts packets.
type benchTUN struct {
	template []byte
	batch    int
	feed     chan struct{}
	closed   chan struct{}
	once     sync.Once
	events   chan tun.Event
	written  atomic.Int64
	wbytes   atomic.Int64
	// target is the packet count at which Write signals done, 0 when no
	// one waits.
	target atomic.Int64
	done   chan struct{}
}

func newBenchTUN(template []byte, batch int) *benchTUN {
	return &benchTUN{
		template: template,
		batch:    batch,
		feed:     make(chan struct{}, 1<<16),
		closed:   make(chan struct{}),
		events:   make(chan tun.Event),
		done:     make(chan struct{}, 1),
	}
}

func (t *benchTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case <-t.feed:
	case <-t.closed:
		return 0, os.ErrClosed
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n][offset:], t.template)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case <-t.feed:
		default:
			return n, nil
		}
	}
}

func (t *benchTUN) Write(bufs [][]byte, offset int) (int, error) {
	var total int
	for _, b := range bufs {
		total += len(b) - offset
	}
	t.wbytes.Add(int64(total))
	n := t.written.Add(int64(len(bufs)))
	if target := t.target.Load(); target > 0 && n >= target && t.target.CompareAndSwap(target, 0) {
		t.done <- struct{}{}
	}
	return len(bufs), nil
}

func (t *benchTUN) BatchSize() int           { return t.batch }
func (t *benchTUN) MTU() (int, error)        { return DefaultMTU, nil }
func (t *benchTUN) Name() string             { return "bench" }
func (t *benchTUN) Events() <-chan tun.Event { return t.events }
func (t *benchTUN) Close() error {
	t.once.Do(func() { close(t.closed); close(t.events) })
	return nil
}

// benchPair is two devices joined by a blocking in-memory network, with
// a session between them.
type benchPair struct {
	a, b   *Device
	ta, tb *benchTUN
}

func newBenchPair(b *testing.B, size int) *benchPair {
	b.Helper()
	n := bindtest.NewNetwork()
	n.SetBlocking(true)
	c := clock.System{}
	src := netip.MustParseAddrPort("10.0.0.1:1000")
	dst := netip.MustParseAddrPort("10.0.0.2:2000")
	pkt := tuntest.UDP(src, dst, make([]byte, size-28))
	bp := &benchPair{ta: newBenchTUN(pkt, tuntest.BatchSize), tb: newBenchTUN(nil, tuntest.BatchSize)}
	ba, bb := newTestBind(n, "192.0.2.1"), newTestBind(n, "192.0.2.2")
	ka, kb := newKey(b), newKey(b)
	bp.a = NewDevice(bp.ta, ba, Options{Clock: c, IgnoreLinkEvents: true})
	bp.b = NewDevice(bp.tb, bb, Options{Clock: c, IgnoreLinkEvents: true})
	b.Cleanup(func() { bp.a.Close(); bp.b.Close() })
	setup := func(d *Device, self, peer [32]byte, port uint16, ep string, allowed string) {
		if err := d.Configure(func(tx *ConfigTx) error {
			tx.SetPrivateKey(self)
			if err := tx.SetListenPort(port); err != nil {
				return err
			}
			p, err := tx.CreatePeer(peer)
			if err != nil {
				return err
			}
			p.SetEndpoint(netip.MustParseAddrPort(ep))
			return p.AddAllowedIP(netip.MustParsePrefix(allowed))
		}); err != nil {
			b.Fatal(err)
		}
		if err := d.Up(); err != nil {
			b.Fatal(err)
		}
	}
	setup(bp.a, ka, kb.PublicKey(), 51821, "192.0.2.2:51822", "10.0.0.2/32")
	setup(bp.b, kb, ka.PublicKey(), 51822, "192.0.2.1:51821", "10.0.0.1/32")
	bp.push(b, 1)
	return bp
}

// push feeds n packets into a and waits until b has written them all.
func (bp *benchPair) push(b *testing.B, n int) {
	bp.tb.target.Store(bp.tb.written.Load() + int64(n))
	for range n {
		bp.ta.feed <- struct{}{}
	}
	select {
	case <-bp.tb.done:
	case <-time.After(time.Minute):
		b.Fatalf("stalled: %d of %d packets arrived", bp.tb.written.Load(), bp.tb.target.Load())
	}
}

// BenchmarkThroughput pushes 1420-byte packets from one device's TUN to
// the other's through the whole engine: routing, staging, sealing,
// ordered delivery, opening, replay and source checks.
func BenchmarkThroughput(b *testing.B) {
	bp := newBenchPair(b, DefaultMTU)
	bp.push(b, 4096) // warm the pools
	b.SetBytes(DefaultMTU)
	b.ReportAllocs()
	b.ResetTimer()
	const chunk = 8192
	for left := b.N; left > 0; left -= chunk {
		bp.push(b, min(left, chunk))
	}
	b.StopTimer()
}

// TestIdlePeerMemory reports the heap cost of an idle peer: 10,000 peers,
// each with an endpoint and one allowed IP, on an up device.
func TestIdlePeerMemory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipping: short mode or race detector (memory figures would be meaningless)")
	}
	const peers = 10000
	n := bindtest.NewNetwork()
	d := NewDevice(tuntest.New("mem", DefaultMTU), newTestBind(n, "192.0.2.70"), Options{IgnoreLinkEvents: true})
	defer d.Close()
	keys := make([][32]byte, peers)
	for i := range keys {
		keys[i] = newKey(t).PublicKey()
	}
	configure(t, d, func(tx *ConfigTx) error {
		tx.SetPrivateKey(newKey(t))
		return nil
	})
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	before := heapInUse()
	configure(t, d, func(tx *ConfigTx) error {
		for i, k := range keys {
			p, err := tx.CreatePeer(k)
			if err != nil {
				return err
			}
			p.SetEndpoint(netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), 51820))
			if err := p.AddAllowedIP(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 100, byte(i >> 8), byte(i)}), 32)); err != nil {
				return err
			}
		}
		return nil
	})
	after := heapInUse()
	runtime.KeepAlive(keys)
	perPeer := float64(after-before) / peers
	t.Logf("%d idle peers: %.0f bytes per peer, %d goroutines added", peers, perPeer, runtime.NumGoroutine()-goroutines)
	if perPeer > 6000 {
		t.Errorf("%.0f bytes per idle peer, want < 6000", perPeer)
	}
	if g := runtime.NumGoroutine() - goroutines; g > 0 {
		t.Errorf("peers started %d goroutines", g)
	}
}

// heapInUse returns the heap and stack bytes in use after a full
// collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// BenchmarkSealOpen is the crypto alone for the packets of
// BenchmarkThroughput, on one CPU: what the pipeline costs on top of it
// is the difference.
func BenchmarkSealOpen(b *testing.B) {
	bp := newBenchPair(b, DefaultMTU)
	var ka *keypair
	for p := bp.a.firstPeer(); p != nil; p = p.nextPeer {
		ka = p.currentKeypair()
	}
	var kb *keypair
	for p := bp.b.firstPeer(); p != nil; p = p.nextPeer {
		p.keypairs.mu.RLock()
		kb = p.keypairs.current
		p.keypairs.mu.RUnlock()
	}
	buf := make([]byte, bufferSizeFor(DefaultMTU))
	b.SetBytes(DefaultMTU)
	b.ReportAllocs()
	for b.Loop() {
		c, _ := ka.NextCounter()
		msg, err := ka.Seal(buf[:bufferHeadroom+DefaultMTU], c)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := kb.Open(msg); err != nil {
			b.Fatal(err)
		}
	}
}
