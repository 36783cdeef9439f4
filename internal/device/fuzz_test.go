// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// fuzzTarget is a pair of devices with a session, shared by the inputs
// of one fuzzing process, whose b side receives the fuzzed datagrams.
type fuzzTarget struct {
	tp    *testPair
	seeds [][]byte
	src   netip.AddrPort
	stop  chan struct{}
}

// newFuzzTarget sets up the pair and records one datagram of each kind
// as seeds.
func newFuzzTarget(f *testing.F) *fuzzTarget {
	tp := newPair(f)
	tp.a.log.silence()
	tp.b.log.silence()
	fz := &fuzzTarget{tp: tp, src: tp.a.bind.local(), stop: make(chan struct{})}
	ca, cb := watch(tp.a), watch(tp.b)
	keepAll := func([]byte) bool { return true }
	ca.setKeep(keepAll)
	cb.setKeep(keepAll)
	send(f, tp.a, tp.b, false, "seed v4")
	send(f, tp.b, tp.a, true, "seed v6")
	tp.quiesce(f)
	fz.seeds = append(ca.takeKept(), cb.takeKept()...)
	// A cookie reply answering a's initiation, for the last type.
	id := tp.b.dev.identity.Load()
	if reply, err := id.checker.CreateReply(fz.seeds[0], fz.src); err == nil {
		out, _ := reply.AppendBinary(nil)
		fz.seeds = append(fz.seeds, out)
	}
	ca.setKeep(nil)
	cb.setKeep(nil)
	for _, h := range []*testHost{tp.a, tp.b} {
		go func(h *testHost) {
			for {
				select {
				case <-h.tun.Written():
				case <-fz.stop:
					return
				}
			}
		}(h)
	}
	f.Cleanup(func() { close(fz.stop) })
	return fz
}

// feed hands data to b as a datagram from a's address and waits for the
// engines to finish with it, then checks that nothing leaked.
func (fz *fuzzTarget) feed(t *testing.T, data []byte) {
	d := fz.tp.b.dev
	e := d.rxPool.tryGet()
	if e == nil {
		t.Fatal("receive pool exhausted")
	}
	copy(e.buf, data)
	e.size = len(data)
	e.src = fz.src
	d.handleDatagrams([]*element{e})
	fz.tp.quiesce(t)
	if out := d.rxPool.outstanding(); out != fz.tp.b.bind.BatchSize() {
		t.Fatalf("%d receive buffers out, want %d", out, fz.tp.b.bind.BatchSize())
	}
	if n := d.indices.len(); n > 8 {
		t.Fatalf("%d indices allocated", n)
	}
	if n := len(d.queues.handshake); n != 0 {
		t.Fatalf("%d handshake messages left", n)
	}
}

func FuzzReceive(f *testing.F) {
	fz := newFuzzTarget(f)
	for _, s := range fz.seeds {
		f.Add(s)
	}
	for t := noise.MessageInitiationType; t <= noise.MessageTransportType; t++ {
		var hdr [4]byte
		binary.LittleEndian.PutUint32(hdr[:], uint32(t))
		f.Add(hdr[:])
	}
	f.Add([]byte{})
	f.Add(make([]byte, MaxBufferSize+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		fz.feed(t, data)
	})
}
