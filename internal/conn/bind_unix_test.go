// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package conn

import (
	"bytes"
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

func TestTruncatedDatagramHasSizeZero(t *testing.T) {
	a, _ := openBind(t, 0)
	b, bport := openBind(t, 0)
	ep := Endpoint{Dst: netip.AddrPortFrom(loopback4, bport)}
	if err := a.Send([][]byte{bytes.Repeat([]byte("x"), 100), []byte("fits")}, ep); err != nil {
		t.Fatal(err)
	}
	fn := receiver(t, b, loopback4)
	bufs, sizes, eps := buffers(2, 10)
	var got []string
	for len(got) < 2 {
		n, err := fn(bufs, sizes, eps)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			got = append(got, string(bufs[i][:sizes[i]]))
		}
	}
	if got[0] != "" || got[1] != "fits" {
		t.Fatalf("received %q, want [\"\" \"fits\"]", got)
	}
}

func TestRefusedDatagramDoesNotStopBatch(t *testing.T) {
	a, _ := openBind(t, 0)
	b, bport := openBind(t, 0)
	ep := Endpoint{Dst: netip.AddrPortFrom(loopback4, bport)}
	tooBig := make([]byte, 70000) // over the 65507-byte UDP limit of IPv4
	err := a.Send([][]byte{[]byte("first"), tooBig, []byte("last")}, ep)
	if !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("Send: %v, want EMSGSIZE", err)
	}
	got, _, _ := receiveN(t, receiver(t, b, loopback4), 2, b.BatchSize())
	if got[0] != "first" || got[1] != "last" {
		t.Fatalf("received %q", got)
	}
}
