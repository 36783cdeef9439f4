// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/tai64n"
)

func BenchmarkCreateInitiation(b *testing.B) {
	ini, _ := newPair(b, PresharedKey{}, PresharedKey{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ini.peer.CreateInitiation(1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConsumeInitiation(b *testing.B) {
	ini, resp := newPair(b, PresharedKey{}, PresharedKey{})
	init, err := ini.peer.CreateInitiation(1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		// Forget the previous acceptance so the same initiation is new
		// again; this costs a lock and two stores.
		resp.peer.mu.Lock()
		resp.peer.lastTimestamp = tai64n.Timestamp{}
		resp.peer.lastInitiationConsumed = time.Time{}
		resp.peer.mu.Unlock()
		if _, err := resp.id.ConsumeInitiation(init, resp.lookup); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandshake(b *testing.B) {
	ini, resp := newPair(b, PresharedKey{}, PresharedKey{})
	b.ReportAllocs()
	for b.Loop() {
		ini.clock.Advance(time.Second)
		resp.clock.Advance(time.Second)
		if _, err := ini.peer.ConsumeResponse(respond(b, ini, resp)); err != nil {
			b.Fatal(err)
		}
	}
}

const benchPacketSize = 1420

func BenchmarkSeal(b *testing.B) {
	ini, resp := newPair(b, PresharedKey{}, PresharedKey{})
	kp, _ := handshake(b, ini, resp)
	buf := make([]byte, MessageTransportHeaderSize+benchPacketSize, MessageTransportHeaderSize+benchPacketSize+TagSize)
	b.SetBytes(benchPacketSize)
	b.ReportAllocs()
	for b.Loop() {
		ctr, err := kp.NextCounter()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := kp.Seal(buf, ctr); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	ini, resp := newPair(b, PresharedKey{}, PresharedKey{})
	kpI, kpR := handshake(b, ini, resp)
	msg := sealCopy(b, kpI, make([]byte, benchPacketSize))
	// Open decrypts in place, so each iteration opens a fresh copy of the
	// ciphertext; the copy is part of the measured time (about 1% of it).
	buf := make([]byte, len(msg))
	b.SetBytes(benchPacketSize)
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, msg)
		if _, _, err := kpR.Open(buf); err != nil {
			b.Fatal(err)
		}
	}
}
