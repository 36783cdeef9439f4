// SPDX-License-Identifier: BSD-2-Clause

package bindtest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn"
)

func open(t *testing.T, b *Bind, port uint16) uint16 {
	t.Helper()
	p, err := b.Open(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return p
}

func send(t *testing.T, b *Bind, to netip.AddrPort, payloads ...string) {
	t.Helper()
	bufs := make([][]byte, len(payloads))
	for i, p := range payloads {
		bufs[i] = []byte(p)
	}
	if err := b.Send(bufs, conn.Endpoint{Dst: to}); err != nil {
		t.Fatal(err)
	}
}

// drain returns every datagram queued at b, with its sender, without
// waiting for more.
func drain(t *testing.T, b *Bind) (got []string, from []netip.AddrPort) {
	t.Helper()
	fn := b.ReceiveFuncs()[0]
	bufs := make([][]byte, b.BatchSize())
	for i := range bufs {
		bufs[i] = make([]byte, 64)
	}
	sizes, eps := make([]int, len(bufs)), make([]conn.Endpoint, len(bufs))
	for len(b.inbox) > 0 {
		n, err := fn(bufs, sizes, eps)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			got = append(got, string(bufs[i][:sizes[i]]))
			from = append(from, eps[i].Dst)
		}
	}
	return got, from
}

func TestPairDelivers(t *testing.T) {
	_, a, b := NewPair()
	open(t, a, 51820)
	bport := open(t, b, 0)
	send(t, a, netip.AddrPortFrom(b.addr, bport), "one", "two", "three")
	got, from := drain(t, b)
	if fmt.Sprint(got) != "[one two three]" {
		t.Fatalf("received %q", got)
	}
	for _, f := range from {
		if f != netip.MustParseAddrPort("192.0.2.1:51820") {
			t.Fatalf("from %v", f)
		}
	}
}

func TestSendCopies(t *testing.T) {
	_, a, b := NewPair()
	open(t, a, 0)
	bport := open(t, b, 0)
	buf := []byte("original")
	if err := a.Send([][]byte{buf}, conn.Endpoint{Dst: netip.AddrPortFrom(b.addr, bport)}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "changed!")
	if got, _ := drain(t, b); got[0] != "original" {
		t.Fatalf("received %q", got[0])
	}
}

func TestFaults(t *testing.T) {
	n, a, b := NewPair()
	open(t, a, 0)
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	actions := map[string]Action{"drop": Drop, "dup": Duplicate, "late": Hold}
	n.SetFault(func(d Datagram) Action { return actions[string(d.Data)] })
	send(t, a, to, "first", "drop", "late", "dup", "last")
	if n.Held() != 1 {
		t.Fatalf("%d held", n.Held())
	}
	n.Release()
	if got, _ := drain(t, b); fmt.Sprint(got) != "[first dup dup last late]" {
		t.Fatalf("received %q", got)
	}
	n.SetFault(nil)
	send(t, a, to, "drop")
	if got, _ := drain(t, b); fmt.Sprint(got) != "[drop]" {
		t.Fatalf("received %q after clearing the fault", got)
	}
}

func TestRoaming(t *testing.T) {
	_, a, b := NewPair()
	aport := open(t, a, 0)
	bAddr := netip.AddrPortFrom(b.addr, open(t, b, 0))
	roamed := netip.MustParseAddrPort("198.51.100.7:40000")
	a.SetSource(roamed)
	send(t, a, bAddr, "from the new address")
	if _, from := drain(t, b); from[0] != roamed {
		t.Fatalf("from %v, want %v", from[0], roamed)
	}
	// Replies to the new address reach a, and so do those to the old.
	send(t, b, roamed, "to the new address")
	send(t, b, netip.AddrPortFrom(a.addr, aport), "to the bound address")
	if got, _ := drain(t, a); fmt.Sprint(got) != "[to the new address to the bound address]" {
		t.Fatalf("received %q", got)
	}
	a.SetSource(netip.AddrPort{})
	send(t, b, roamed, "lost")
	send(t, a, bAddr, "home")
	if got, _ := drain(t, a); got != nil {
		t.Fatalf("old roamed address still reaches a: %q", got)
	}
	if _, from := drain(t, b); from[0] != netip.AddrPortFrom(a.addr, aport) {
		t.Fatalf("from %v after restoring", from[0])
	}
}

func TestOpenClose(t *testing.T) {
	n := NewNetwork()
	addr := netip.MustParseAddr("192.0.2.9")
	a, b := n.NewBind(addr), n.NewBind(addr)
	port := open(t, a, 0)
	if _, err := a.Open(0); !errors.Is(err, conn.ErrBindOpen) {
		t.Fatalf("second Open: %v", err)
	}
	if _, err := b.Open(port); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Open on a taken port: %v", err)
	}
	if p := open(t, b, 0); p == port {
		t.Fatalf("Open(0) gave the taken port %d", p)
	}

	fn := a.ReceiveFuncs()[0]
	errc := make(chan error)
	go func() {
		buf := [][]byte{make([]byte, 8)}
		_, err := fn(buf, make([]int, 1), make([]conn.Endpoint, 1))
		errc <- err
	}()
	a.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("receive after Close: %v", err)
	}
	if err := a.Send([][]byte{nil}, conn.Endpoint{Dst: a.Addr()}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if a.ReceiveFuncs() != nil {
		t.Fatal("closed Bind has ReceiveFuncs")
	}
	if p := open(t, a, port); p != port {
		t.Fatalf("reopen got port %d", p)
	}
}

func TestTruncatedAndMark(t *testing.T) {
	_, a, b := NewPair()
	open(t, a, 0)
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	send(t, a, to, string(make([]byte, 100)), "fits")
	if got, _ := drain(t, b); got[0] != "" || got[1] != "fits" {
		t.Fatalf("received %q", got)
	}
	if err := a.SetMark(7); err != nil || a.Mark() != 7 {
		t.Fatalf("mark %d, %v", a.Mark(), err)
	}
}

// recvOnce calls b's receive function once and returns the payloads.
func recvOnce(t *testing.T, fn conn.ReceiveFunc) []string {
	t.Helper()
	bufs := [][]byte{make([]byte, 64), make([]byte, 64)}
	sizes, eps := make([]int, len(bufs)), make([]conn.Endpoint, len(bufs))
	type result struct {
		k   int
		err error
	}
	// The call runs apart so that a datagram that never comes fails the
	// test; the Bind's Close at cleanup ends the call.
	done := make(chan result, 1)
	go func() {
		k, err := fn(bufs, sizes, eps)
		done <- result{k, err}
	}()
	r := within(t, "a datagram", done)
	k, err := r.k, r.err
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range k {
		got = append(got, string(bufs[i][:sizes[i]]))
	}
	return got
}

func TestIdle(t *testing.T) {
	n, a, b := NewPair()
	open(t, a, 0)
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	fn := b.ReceiveFuncs()[0]
	if !n.Idle() {
		t.Fatal("new network not idle")
	}
	send(t, a, to, "one", "two", "three")
	if n.Idle() {
		t.Fatal("idle with datagrams queued")
	}
	if got := recvOnce(t, fn); fmt.Sprint(got) != "[one two]" {
		t.Fatalf("received %q", got)
	}
	if got := recvOnce(t, fn); fmt.Sprint(got) != "[three]" {
		t.Fatalf("received %q", got)
	}
	// The last batch is pending until the receiver comes back for more.
	if n.Idle() {
		t.Fatal("idle before the receiver finished its last batch")
	}
	done := make(chan []string)
	go func() {
		bufs := [][]byte{make([]byte, 64)}
		sizes, eps := make([]int, 1), make([]conn.Endpoint, 1)
		k, _ := fn(bufs, sizes, eps)
		done <- []string{string(bufs[0][:sizes[0]])}[:k]
	}()
	waitUntil(t, "the receiver to come back", n.Idle)
	// A held datagram is not consumed either; nor is a delivered one.
	n.SetFault(func(Datagram) Action { return Hold })
	send(t, a, to, "held")
	if n.Idle() {
		t.Fatal("idle with a datagram held")
	}
	n.SetFault(nil)
	n.Release()
	if got := within(t, "the held datagram", done); fmt.Sprint(got) != "[held]" {
		t.Fatalf("received %q", got)
	}
	if n.Idle() {
		t.Fatal("idle before the receiver finished")
	}
	// Closing consumes what was queued and handed out.
	send(t, a, to, "queued")
	b.Close()
	if !n.Idle() {
		t.Fatal("not idle after the receiver's Bind closed")
	}
}

func TestInject(t *testing.T) {
	n, a, b := NewPair()
	aAddr := netip.AddrPortFrom(a.addr, open(t, a, 0))
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	n.SetFault(func(Datagram) Action { return Drop })
	data := []byte("replayed")
	for range 2 {
		n.Inject(Datagram{From: aAddr, To: to, Data: data})
	}
	copy(data, "changed!")
	got, from := drain(t, b)
	if fmt.Sprint(got) != "[replayed replayed]" || from[0] != aAddr {
		t.Fatalf("received %q from %v", got, from)
	}
}

func TestBlocking(t *testing.T) {
	n, a, b := NewPair()
	open(t, a, 0)
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	n.SetBlocking(true)
	payloads := make([]string, QueueLen+1)
	for i := range payloads {
		payloads[i] = fmt.Sprint(i)
	}
	sent := make(chan error, 1)
	go func() {
		bufs := make([][]byte, len(payloads))
		for i, p := range payloads {
			bufs[i] = []byte(p)
		}
		sent <- a.Send(bufs, conn.Endpoint{Dst: to})
	}()
	// The last datagram waits for room instead of being dropped.
	var got []string
	fn := b.ReceiveFuncs()[0]
	for len(got) < len(payloads) {
		got = append(got, recvOnce(t, fn)...)
	}
	if err := within(t, "the sender", sent); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(payloads) {
		t.Fatalf("received %d datagrams, want %d in order", len(got), len(payloads))
	}
	// A sender blocked on a full queue is released by Close.
	n.SetBlocking(true)
	go func() {
		bufs := make([][]byte, QueueLen+1)
		for i := range bufs {
			bufs[i] = []byte("x")
		}
		sent <- a.Send(bufs, conn.Endpoint{Dst: to})
	}()
	waitUntil(t, "the queue to fill", func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return len(b.inbox) == QueueLen
	})
	b.Close()
	if err := within(t, "the sender released by Close", sent); err != nil {
		t.Fatal(err)
	}
}

// waitTimeout bounds how long a test waits for the Network to reach a
// state, so that a regression fails instead of hanging until go test's
// own timeout. It is a safety net, not a timing assertion.
const waitTimeout = 20 * time.Second

// waitUntil waits until cond holds, failing the test after waitTimeout.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// within returns the next value from ch, failing the test if none comes
// within waitTimeout.
func within[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestDuplicateCopiesBeforeDelivery pins that the second copy of a
// duplicated datagram is made before the first is delivered: once the
// first is queued a receiver may take it and free its buffer, and the
// next datagram may reuse that buffer. The test holds the Network's lock
// while it receives, as a receiver that runs between the two deliveries
// would, so the sender cannot go on until the buffer has been reused.
func TestDuplicateCopiesBeforeDelivery(t *testing.T) {
	n, a, b := NewPair()
	open(t, a, 0)
	to := netip.AddrPortFrom(b.addr, open(t, b, 0))
	// A full queue makes the sender of the duplicated datagram wait for
	// room with the Network unlocked.
	fill := make([][]byte, QueueLen)
	for i := range fill {
		fill[i] = []byte("fill")
	}
	if err := a.Send(fill, conn.Endpoint{Dst: to}); err != nil {
		t.Fatal(err)
	}
	n.SetBlocking(true)
	n.SetFault(func(d Datagram) Action {
		if string(d.Data) == "dup" {
			return Duplicate
		}
		return Deliver
	})
	sent := make(chan error, 1)
	go func() { sent <- a.Send([][]byte{[]byte("dup")}, conn.Endpoint{Dst: to}) }()
	waitUntil(t, "the sender to wait for room", func() bool {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.pending == QueueLen+1
	})

	n.mu.Lock()
	for len(freeBufs) > 0 {
		<-freeBufs
	}
	var first Datagram
	for range QueueLen + 1 {
		first = within(t, "the first copy to be queued", b.inbox)
		n.pending--
	}
	if string(first.Data) != "dup" {
		n.mu.Unlock()
		t.Fatalf("first datagram after the fill %q, want \"dup\"", first.Data)
	}
	freeData(first.Data)
	reused := copyData([]byte("XXX"))
	n.mu.Unlock()

	if err := within(t, "the sender", sent); err != nil {
		t.Fatal(err)
	}
	second := within(t, "the second copy", b.inbox)
	n.mu.Lock()
	n.pending--
	n.mu.Unlock()
	if string(second.Data) != "dup" {
		t.Fatalf("the second copy reads %q, want \"dup\": it was copied from a buffer already reused for %q", second.Data, reused)
	}
}
