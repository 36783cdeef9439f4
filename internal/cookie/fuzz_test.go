// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"bytes"
	"errors"
	"testing"

	"github.com/wgbsd/wgbsd/internal/noise"
)

func FuzzConsumeCookieReply(f *testing.F) {
	s := newSetup(f)
	msg := initiation(f, 77)
	seed, _ := s.replyTo(f, msg, srcA).MarshalBinary()
	f.Add(seed)
	f.Add(seed[:63])
	f.Add(make([]byte, noise.MessageCookieReplySize))

	f.Fuzz(func(t *testing.T, data []byte) {
		var m noise.MessageCookieReply
		if err := m.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, noise.ErrInvalidMessage) {
				t.Fatalf("unclassified unmarshal error: %v", err)
			}
			return
		}
		// Stamping the same message again re-arms the generator with the
		// same mac1, to which the seed is the genuine reply.
		if err := s.gen.AddMACs(msg); err != nil {
			t.Fatal(err)
		}
		err := s.gen.ConsumeReply(&m)
		if err != nil {
			if !errors.Is(err, ErrInvalidCookieReply) && !errors.Is(err, ErrUnexpectedCookieReply) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if !bytes.Equal(data, seed) {
			t.Fatalf("accepted a cookie reply that differs from the genuine one: %x", data)
		}
	})
}

func BenchmarkCheckMAC1(b *testing.B) {
	s := newSetup(b)
	msg := initiation(b, 1)
	_ = s.gen.AddMACs(msg)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.chk.CheckMAC1(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckMAC2(b *testing.B) {
	s := newSetup(b)
	s.obtainCookie(b, srcA)
	msg := initiation(b, 1)
	_ = s.gen.AddMACs(msg)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.chk.CheckMAC2(msg, srcA); err != nil {
			b.Fatal(err)
		}
	}
}
