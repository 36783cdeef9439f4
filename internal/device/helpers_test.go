// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"bytes"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// testStart is the fake clock's starting time.
var testStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// waitTimeout bounds how long a test waits for the engine's goroutines to
// reach a state. It is a safety net against hangs, not a timing
// assertion: every wait is for a condition.
const waitTimeout = 20 * time.Second

// eventually waits until cond holds, failing the test after waitTimeout.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// testLogger returns a Logger writing to the test log, and a function that
// reports whether any logged line contains a string.
type testLog struct {
	tb    testing.TB
	mu    sync.Mutex
	lines []string
	quiet bool
}

func (l *testLog) logf(prefix string) func(string, ...any) {
	return func(format string, args ...any) {
		line := prefix + fmt.Sprintf(format, args...)
		l.mu.Lock()
		l.lines = append(l.lines, line)
		if len(l.lines) > maxLogLines {
			l.lines = l.lines[len(l.lines)-maxLogLines/2:]
		}
		quiet := l.quiet
		l.mu.Unlock()
		if !quiet {
			l.tb.Log(line)
		}
	}
}

// maxLogLines bounds the lines a testLog keeps.
const maxLogLines = 1 << 14

// silence stops copying lines to the test log.
func (l *testLog) silence() {
	l.mu.Lock()
	l.quiet = true
	l.mu.Unlock()
}

func (l *testLog) logger(name string) Logger {
	return Logger{Verbosef: l.logf(name + " DEBUG: "), Errorf: l.logf(name + " ERROR: ")}
}

func (l *testLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func (l *testLog) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newKey returns a fresh private key.
func newKey(tb testing.TB) noise.PrivateKey {
	tb.Helper()
	k, err := noise.NewPrivateKey()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// countingTUN is a tuntest.Device that tells when its reader has
// consumed every injected packet and is waiting for more.
type countingTUN struct {
	*tuntest.Device
	mu       sync.Mutex
	injected int
	read     int
	inRead   bool
}

func (c *countingTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	c.mu.Lock()
	c.inRead = true
	c.mu.Unlock()
	n, err := c.Device.Read(bufs, sizes, offset)
	c.mu.Lock()
	c.inRead = false
	c.read += n
	c.mu.Unlock()
	return n, err
}

// Inject queues packets for the engine, counting them.
func (c *countingTUN) Inject(pkts ...[]byte) error {
	c.mu.Lock()
	c.injected += len(pkts)
	c.mu.Unlock()
	return c.Device.Inject(pkts...)
}

// idle reports whether the reader has taken every injected packet and
// finished with them.
func (c *countingTUN) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read == c.injected && c.inRead
}

// testHost is one side of a test tunnel.
type testHost struct {
	dev    *Device
	tun    *countingTUN
	bind   *testBind
	key    noise.PrivateKey
	pub    noise.PublicKey
	inner4 netip.Addr
	inner6 netip.Addr
	log    *testLog
}

// newHost creates a Device on net at the outer address addr, with inner
// addresses 10.0.0.n and fd00::n, identity set, port set, device up.
func newHost(tb testing.TB, n *bindtest.Network, c clock.Clock, name, addr string, idx int, opts Options) *testHost {
	tb.Helper()
	h := &testHost{
		tun:    &countingTUN{Device: tuntest.New(name, DefaultMTU)},
		bind:   newTestBind(n, addr),
		key:    newKey(tb),
		inner4: netip.AddrFrom4([4]byte{10, 0, 0, byte(idx)}),
		inner6: netip.MustParseAddr(fmt.Sprintf("fd00::%d", idx)),
		log:    &testLog{tb: tb, quiet: !testing.Verbose()},
	}
	h.pub = h.key.PublicKey()
	opts.Clock = c
	opts.IgnoreLinkEvents = true
	if opts.Logger.Verbosef == nil && opts.Logger.Errorf == nil {
		opts.Logger = h.log.logger(name)
	}
	h.dev = NewDevice(h.tun, h.bind, opts)
	tb.Cleanup(func() { h.dev.Close() })
	err := h.dev.Configure(func(tx *ConfigTx) error {
		tx.SetPrivateKey(h.key)
		return tx.SetListenPort(uint16(51820 + idx))
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := h.dev.Up(); err != nil {
		tb.Fatal(err)
	}
	return h
}

// addPeer configures other as a peer of h, with other's inner addresses
// as allowed IPs and other's socket as endpoint.
func (h *testHost) addPeer(tb testing.TB, other *testHost, keepalive uint16) {
	tb.Helper()
	err := h.dev.Configure(func(tx *ConfigTx) error {
		p, err := tx.CreatePeer(other.pub)
		if err != nil {
			return err
		}
		p.SetEndpoint(other.bind.local())
		p.SetPersistentKeepalive(keepalive)
		if err := p.AddAllowedIP(netip.PrefixFrom(other.inner4, 32)); err != nil {
			return err
		}
		return p.AddAllowedIP(netip.PrefixFrom(other.inner6, 128))
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// peer returns h's peer for other.
func (h *testHost) peer(other *testHost) *peer {
	return h.dev.lookupPeer(other.pub)
}

// testPair is two hosts configured as each other's peer on one network
// and one fake clock.
type testPair struct {
	net   *bindtest.Network
	clock *clock.Fake
	a, b  *testHost
}

func newPair(tb testing.TB) *testPair {
	tb.Helper()
	tp := &testPair{net: bindtest.NewNetwork(), clock: clock.NewFake(testStart)}
	tp.a = newHost(tb, tp.net, tp.clock, "a", "192.0.2.1", 1, Options{})
	tp.b = newHost(tb, tp.net, tp.clock, "b", "192.0.2.2", 2, Options{})
	tp.a.addPeer(tb, tp.b, 0)
	tp.b.addPeer(tb, tp.a, 0)
	return tp
}

// packet builds a UDP packet from h to other over IPv4 or IPv6 with the
// payload.
func packet(h, other *testHost, v6 bool, payload string) []byte {
	src, dst := h.inner4, other.inner4
	if v6 {
		src, dst = h.inner6, other.inner6
	}
	return tuntest.UDP(netip.AddrPortFrom(src, 1000), netip.AddrPortFrom(dst, 2000), []byte(payload))
}

// send injects a packet into from's TUN and waits for it to come out of
// to's TUN unchanged.
func send(tb testing.TB, from, to *testHost, v6 bool, payload string) {
	tb.Helper()
	pkt := packet(from, to, v6, payload)
	if err := from.tun.Inject(pkt); err != nil {
		tb.Fatal(err)
	}
	expectPacket(tb, to, pkt)
}

// expectPacket waits for pkt to come out of h's TUN, skipping nothing:
// the next packet written must be pkt.
func expectPacket(tb testing.TB, h *testHost, pkt []byte) {
	tb.Helper()
	select {
	case got := <-h.tun.Written():
		if !bytes.Equal(got, pkt) {
			tb.Fatalf("%s: got packet %x, want %x", h.tun.Name(), got, pkt)
		}
	case <-time.After(waitTimeout):
		tb.Fatalf("%s: timed out waiting for a packet\nlog:\n%s", h.tun.Name(), h.log.all())
	}
}

// expectNoPacket checks that h's TUN has written nothing so far.
func expectNoPacket(tb testing.TB, h *testHost) {
	tb.Helper()
	select {
	case got := <-h.tun.Written():
		tb.Fatalf("%s: unexpected packet %x", h.tun.Name(), got)
	default:
	}
}

// quiesce waits until the network and both devices are idle: no datagram
// queued, none received and not yet dispatched, no batch or handshake
// message in the engines.
func (tp *testPair) quiesce(tb testing.TB) {
	tb.Helper()
	quiesce(tb, tp.net, tp.a, tp.b)
}

func quiesce(tb testing.TB, n *bindtest.Network, hosts ...*testHost) {
	tb.Helper()
	idle := func() bool {
		if !n.Idle() {
			return false
		}
		for _, h := range hosts {
			if h.dev.inflight.Load() != 0 || !h.tun.idle() {
				return false
			}
		}
		return true
	}
	// Idle twice in a row: a datagram moving between the two checks of
	// one pass is caught by the other.
	eventually(tb, "engines to be idle", func() bool {
		for range 2 {
			if !idle() {
				return false
			}
		}
		return true
	})
}

// run advances the fake clock by d, stopping at each timer deadline on
// the way and letting both engines react at that instant: the network
// takes no fake time.
func (tp *testPair) run(tb testing.TB, d time.Duration) {
	tb.Helper()
	runClock(tb, tp.clock, d, tp.quiesce)
}

func runClock(tb testing.TB, c *clock.Fake, d time.Duration, quiesce func(testing.TB)) {
	tb.Helper()
	target := c.Now().Add(d)
	for {
		quiesce(tb)
		next, ok := c.NextDeadline()
		if !ok || next.After(target) {
			c.Set(target)
			quiesce(tb)
			return
		}
		c.Set(next)
	}
}

// goroutineLeakCheck fails the test if goroutines started during it are
// still running at its end.
func goroutineLeakCheck(tb testing.TB) {
	tb.Helper()
	before := goroutineStacks()
	tb.Cleanup(func() {
		if tb.Failed() {
			return
		}
		deadline := time.Now().Add(waitTimeout)
		for {
			after := goroutineStacks()
			leaked := leakedGoroutines(before, after)
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				tb.Fatalf("leaked goroutines:\n%s", strings.Join(leaked, "\n\n"))
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// goroutineStacks returns the stacks of all goroutines, keyed by their
// header line.
func goroutineStacks() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	m := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		head, _, _ := strings.Cut(g, "\n")
		id, _, _ := strings.Cut(strings.TrimPrefix(head, "goroutine "), " ")
		m[id] = g
	}
	return m
}

// leakedGoroutines lists goroutines present after but not before, apart
// from the test framework's own.
func leakedGoroutines(before, after map[string]string) []string {
	var leaked []string
	for id, g := range after {
		if _, ok := before[id]; ok {
			continue
		}
		if !strings.Contains(g, "wgbsd/internal/") || strings.Contains(g, "goroutineStacks") {
			continue
		}
		leaked = append(leaked, g)
	}
	return leaked
}

// timeoutChan returns a channel that fires after waitTimeout.
func timeoutChan() <-chan time.Time { return time.After(waitTimeout) }
