// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

func TestKeepaliveSize(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	msg := sealCopy(t, kpI, nil)
	if len(msg) != MessageKeepaliveSize || MessageKeepaliveSize != 32 {
		t.Fatalf("keepalive is %d bytes, want 32", len(msg))
	}
	if tp, err := ParseMessageType(msg); err != nil || tp != MessageTransportType {
		t.Fatalf("ParseMessageType(keepalive) = %v, %v", tp, err)
	}
	pt, _, err := kpR.Open(msg)
	if err != nil || len(pt) != 0 {
		t.Fatalf("Open(keepalive) = %d bytes, %v", len(pt), err)
	}
}

func TestSealLayout(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, _ := handshake(t, ini, resp)
	for want := uint64(0); want < 3; want++ {
		msg := sealCopy(t, kpI, []byte("data"))
		var hdr MessageTransportHeader
		if err := hdr.UnmarshalBinary(msg); err != nil {
			t.Fatal(err)
		}
		if hdr.Receiver != kpI.RemoteIndex() || hdr.Counter != want {
			t.Fatalf("header %+v, want receiver %d counter %d", hdr, kpI.RemoteIndex(), want)
		}
	}
	if kpI.SendCounter() != 3 {
		t.Fatalf("SendCounter = %d, want 3", kpI.SendCounter())
	}
}

func TestOpenTampered(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	wire := sealCopy(t, kpI, []byte("sixteen byte msg"))
	for i := range wire {
		b := bytes.Clone(wire)
		b[i] ^= 0x04
		if _, _, err := kpR.Open(b); err == nil {
			t.Fatalf("byte %d flipped: Open succeeded", i)
		}
	}
	if _, _, err := kpR.Open(bytes.Clone(wire[:len(wire)-1])); err == nil {
		t.Fatal("truncated message opened")
	}
	pt, _, err := kpR.Open(wire)
	if err != nil || string(pt) != "sixteen byte msg" {
		t.Fatalf("genuine message after tampering: %q, %v", pt, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	wire := sealCopy(t, kpI, []byte("x"))

	short := bytes.Clone(wire[:MessageTransportSize-1])
	if _, _, err := kpR.Open(short); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("short: %v", err)
	}
	wrongIndex := bytes.Clone(wire)
	binary.LittleEndian.PutUint32(wrongIndex[4:], kpR.LocalIndex()+1)
	if _, _, err := kpR.Open(wrongIndex); !errors.Is(err, ErrIndexMismatch) {
		t.Fatalf("wrong index: %v", err)
	}
	wrongType := bytes.Clone(wire)
	wrongType[0] = 1
	if _, _, err := kpR.Open(wrongType); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("wrong type: %v", err)
	}
	limit := bytes.Clone(wire)
	binary.LittleEndian.PutUint64(limit[8:], RejectAfterMessages)
	if _, _, err := kpR.Open(limit); !errors.Is(err, ErrCounterLimit) {
		t.Fatalf("counter at limit: %v", err)
	}
	forged := bytes.Clone(wire)
	forged[len(forged)-1] ^= 1
	if _, _, err := kpR.Open(forged); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("forged tag: %v", err)
	}
	// A failed Open restores the receiver field it borrowed for the nonce.
	if binary.LittleEndian.Uint32(forged[4:]) != kpR.LocalIndex() {
		t.Fatal("receiver index not restored")
	}
}

func TestSealErrors(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, _ := handshake(t, ini, resp)
	if _, err := kpI.Seal(make([]byte, 15, 64), 0); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("no headroom: %v", err)
	}
	if _, err := kpI.Seal(make([]byte, 20, 35), 0); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("no tailroom: %v", err)
	}
	if _, err := kpI.Seal(make([]byte, 20, 36), RejectAfterMessages); !errors.Is(err, ErrCounterLimit) {
		t.Fatalf("counter at limit: %v", err)
	}
	if _, err := kpI.Seal(make([]byte, 20, 36), RejectAfterMessages-1); err != nil {
		t.Fatalf("last usable counter: %v", err)
	}
}

func TestNextCounterLimit(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, _ := handshake(t, ini, resp)
	kpI.sendCounter.Store(RejectAfterMessages - 1)
	if n, err := kpI.NextCounter(); err != nil || n != RejectAfterMessages-1 {
		t.Fatalf("last counter: %d, %v", n, err)
	}
	for range 3 {
		if _, err := kpI.NextCounter(); !errors.Is(err, ErrCounterLimit) {
			t.Fatalf("beyond the limit: %v", err)
		}
	}
	if kpI.SendCounter() != RejectAfterMessages {
		t.Fatalf("counter not pinned at the limit: %d", kpI.SendCounter())
	}
}

func TestSealOpenDoNotAllocate(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	buf := make([]byte, MessageTransportHeaderSize+1420, MessageTransportHeaderSize+1420+TagSize)
	var ctr uint64
	allocs := testing.AllocsPerRun(100, func() {
		msg, err := kpI.Seal(buf[:MessageTransportHeaderSize+1420], ctr)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := kpR.Open(msg); err != nil {
			t.Fatal(err)
		}
		ctr++
	})
	if allocs != 0 {
		t.Fatalf("Seal+Open allocate %v times per packet", allocs)
	}
}

func TestPaddedLen(t *testing.T) {
	cases := []struct{ n, mtu, want int }{
		{0, 1420, 0},
		{1, 1420, 16},
		{16, 1420, 16},
		{17, 1420, 32},
		{1419, 1420, 1420}, // rounding would pass the MTU
		{1420, 1420, 1420},
		{1405, 1420, 1408},
		{1500, 1420, 1500}, // last unit 80 is already a multiple
		{1501, 1420, 1516}, // last unit 81 pads to 96
		{2840, 1420, 2840},
		{33, 0, 48},
		{33, -1, 48},
	}
	for _, c := range cases {
		if got := PaddedLen(c.n, c.mtu); got != c.want {
			t.Errorf("PaddedLen(%d, %d) = %d, want %d", c.n, c.mtu, got, c.want)
		}
	}
}

// TestConcurrentSealOpen seals and opens from several goroutines with one
// keypair pair, as parallel crypto workers do, and checks that every
// counter is handed out exactly once.
func TestConcurrentSealOpen(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(t, ini, resp)
	const workers, perWorker = 4, 200
	counters := make(chan uint64, workers*perWorker)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			buf := make([]byte, MessageTransportHeaderSize+64, MessageTransportHeaderSize+64+TagSize)
			for i := range perWorker {
				buf = buf[:MessageTransportHeaderSize+64]
				buf[MessageTransportHeaderSize] = byte(w)
				buf[MessageTransportHeaderSize+1] = byte(i)
				ctr, err := kpI.NextCounter()
				if err != nil {
					errs <- err
					return
				}
				msg, err := kpI.Seal(buf, ctr)
				if err != nil {
					errs <- err
					return
				}
				pt, got, err := kpR.Open(msg)
				if err != nil || got != ctr || pt[0] != byte(w) || pt[1] != byte(i) {
					errs <- fmt.Errorf("open: counter %d/%d: %v", got, ctr, err)
					return
				}
				counters <- ctr
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(counters)
	seen := make(map[uint64]bool)
	for c := range counters {
		if seen[c] {
			t.Fatalf("counter %d handed out twice", c)
		}
		seen[c] = true
	}
	if len(seen) != workers*perWorker || kpI.SendCounter() != workers*perWorker {
		t.Fatalf("%d distinct counters, SendCounter %d", len(seen), kpI.SendCounter())
	}
}
