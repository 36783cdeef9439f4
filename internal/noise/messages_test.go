// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"bytes"
	"errors"
	"testing"
)

func TestMessageSizes(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{}, PresharedKey{})
	init, _ := ini.peer.CreateInitiation(1)
	rmsg := respond(t, ini, resp)
	hdr := &MessageTransportHeader{Receiver: 1, Counter: 2}
	hdrBytes, _ := hdr.AppendBinary(nil)
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"initiation", len(marshal(t, init)), 148},
		{"response", len(marshal(t, rmsg)), 92},
		{"cookie reply", len(marshal(t, &MessageCookieReply{})), 64},
		{"transport header", len(hdrBytes), 16},
		{"constant initiation", MessageInitiationSize, 148},
		{"constant response", MessageResponseSize, 92},
		{"constant cookie reply", MessageCookieReplySize, 64},
		{"constant transport minimum", MessageTransportSize, 32},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, c.got, c.want)
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	init := &MessageInitiation{Sender: 0x01020304}
	fill(init.Ephemeral[:], 1)
	fill(init.Static[:], 2)
	fill(init.Timestamp[:], 3)
	fill(init.MAC1[:], 4)
	fill(init.MAC2[:], 5)
	b := marshal(t, init)
	if !bytes.Equal(b[:8], []byte{1, 0, 0, 0, 4, 3, 2, 1}) {
		t.Fatalf("initiation header % x", b[:8])
	}
	var gotInit MessageInitiation
	if err := gotInit.UnmarshalBinary(b); err != nil || gotInit != *init {
		t.Fatalf("initiation round trip: %v", err)
	}

	resp := &MessageResponse{Sender: 7, Receiver: 0xa0b0c0d0}
	fill(resp.Ephemeral[:], 6)
	fill(resp.Empty[:], 7)
	fill(resp.MAC1[:], 8)
	fill(resp.MAC2[:], 9)
	b = marshal(t, resp)
	if !bytes.Equal(b[:12], []byte{2, 0, 0, 0, 7, 0, 0, 0, 0xd0, 0xc0, 0xb0, 0xa0}) {
		t.Fatalf("response header % x", b[:12])
	}
	var gotResp MessageResponse
	if err := gotResp.UnmarshalBinary(b); err != nil || gotResp != *resp {
		t.Fatalf("response round trip: %v", err)
	}

	cr := &MessageCookieReply{Receiver: 9}
	fill(cr.Nonce[:], 10)
	fill(cr.Cookie[:], 11)
	b = marshal(t, cr)
	var gotCR MessageCookieReply
	if err := gotCR.UnmarshalBinary(b); err != nil || gotCR != *cr {
		t.Fatalf("cookie reply round trip: %v", err)
	}

	hdr := MessageTransportHeader{Receiver: 5, Counter: 0x0102030405060708}
	b, _ = hdr.AppendBinary(nil)
	want := []byte{4, 0, 0, 0, 5, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1}
	if !bytes.Equal(b, want) {
		t.Fatalf("transport header % x, want % x", b, want)
	}
	var gotHdr MessageTransportHeader
	if err := gotHdr.UnmarshalBinary(append(b, make([]byte, TagSize)...)); err != nil || gotHdr != hdr {
		t.Fatalf("transport header round trip: %+v, %v", gotHdr, err)
	}
}

func fill(b []byte, seed byte) {
	for i := range b {
		b[i] = seed + byte(i)
	}
}

func TestUnmarshalRejects(t *testing.T) {
	valid := func(tp byte, n int) []byte {
		b := make([]byte, n)
		b[0] = tp
		return b
	}
	reserved := func(b []byte) []byte { b[2] = 1; return b }
	cases := []struct {
		name string
		m    interface{ UnmarshalBinary([]byte) error }
		b    []byte
	}{
		{"initiation short", &MessageInitiation{}, valid(1, 147)},
		{"initiation long", &MessageInitiation{}, valid(1, 149)},
		{"initiation type", &MessageInitiation{}, valid(2, 148)},
		{"initiation reserved", &MessageInitiation{}, reserved(valid(1, 148))},
		{"initiation empty", &MessageInitiation{}, nil},
		{"response short", &MessageResponse{}, valid(2, 91)},
		{"response type", &MessageResponse{}, valid(1, 92)},
		{"response reserved", &MessageResponse{}, reserved(valid(2, 92))},
		{"cookie reply long", &MessageCookieReply{}, valid(3, 65)},
		{"cookie reply type", &MessageCookieReply{}, valid(4, 64)},
		{"transport short", &MessageTransportHeader{}, valid(4, 31)},
		{"transport type", &MessageTransportHeader{}, valid(3, 64)},
		{"transport reserved", &MessageTransportHeader{}, reserved(valid(4, 32))},
	}
	for _, c := range cases {
		if err := c.m.UnmarshalBinary(c.b); !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("%s: %v, want ErrInvalidMessage", c.name, err)
		}
	}
}

func TestParseMessageType(t *testing.T) {
	msg := func(tp byte, n int) []byte {
		b := make([]byte, n)
		if n > 0 {
			b[0] = tp
		}
		return b
	}
	cases := []struct {
		b    []byte
		want MessageType
		ok   bool
	}{
		{msg(1, 148), MessageInitiationType, true},
		{msg(2, 92), MessageResponseType, true},
		{msg(3, 64), MessageCookieReplyType, true},
		{msg(4, 32), MessageTransportType, true},
		{msg(4, 1500), MessageTransportType, true},
		{msg(1, 147), 0, false},
		{msg(2, 148), 0, false},
		{msg(3, 63), 0, false},
		{msg(4, 31), 0, false},
		{msg(5, 148), 0, false},
		{msg(0, 148), 0, false},
		{append([]byte{1, 0, 0, 1}, make([]byte, 144)...), 0, false},
		{msg(1, 3), 0, false},
		{nil, 0, false},
	}
	for i, c := range cases {
		got, err := ParseMessageType(c.b)
		if c.ok != (err == nil) || got != c.want {
			t.Errorf("case %d: ParseMessageType = %v, %v", i, got, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidMessage) {
			t.Errorf("case %d: error %v does not wrap ErrInvalidMessage", i, err)
		}
	}
}
