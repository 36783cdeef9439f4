// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
)

// benchPayload is the size of a WireGuard transport message that carries
// a 1420-byte inner packet: 16 bytes of header and 16 of tag.
const benchPayload = 1452

// benchWindow bounds the datagrams in flight, well below what the
// receive buffer holds, so that loopback never drops one and the
// receiver always gets all b.N.
const benchWindow = 512

// BenchmarkSendReceive measures Bind throughput over IPv4 loopback, one
// sending and one receiving goroutine, with batches of 1 and 32 datagrams
// on both sides.
func BenchmarkSendReceive(b *testing.B) {
	benchSendReceive(b, nil)
}

// benchSendReceive runs the Bind benchmark; tune, if not nil, adjusts the
// sending Bind.
func benchSendReceive(b *testing.B, tune func(Bind)) {
	for _, batch := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			tx, _ := openBind(b, 0)
			if tune != nil {
				tune(tx)
			}
			rx, port := openBind(b, 0)
			fn := receiver(b, rx, loopback4)
			ep := Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}
			out, _, _ := buffers(batch, benchPayload)
			send := func(n int) {
				if err := tx.Send(out[:n], ep); err != nil {
					b.Fatal(err)
				}
			}
			receive := func(bufs [][]byte, sizes []int, eps []Endpoint) (int, error) {
				return fn(bufs, sizes, eps)
			}
			runThroughput(b, batch, send, receive)
		})
	}
}

// BenchmarkNetUDPConn is the same measurement with package net, one
// datagram per call, for comparison.
func BenchmarkNetUDPConn(b *testing.B) {
	rx, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback4, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	rx.SetReadBuffer(socketBuffer)
	tx, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback4, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	dst := rx.LocalAddr().(*net.UDPAddr).AddrPort()
	out := make([]byte, benchPayload)
	send := func(int) {
		if _, err := tx.WriteToUDPAddrPort(out, dst); err != nil {
			b.Fatal(err)
		}
	}
	receive := func(bufs [][]byte, sizes []int, _ []Endpoint) (int, error) {
		n, _, err := rx.ReadFromUDPAddrPort(bufs[0])
		sizes[0] = n
		return 1, err
	}
	runThroughput(b, 1, send, receive)
}

// runThroughput sends b.N datagrams in batches while a goroutine receives
// them, keeping at most benchWindow in flight.
func runThroughput(b *testing.B, batch int, send func(n int), receive ReceiveFunc) {
	var received atomic.Int64
	wake := make(chan struct{}, 1)
	done := make(chan error, 1)
	bufs, sizes, eps := buffers(batch, 2048)
	b.SetBytes(benchPayload)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for received.Load() < int64(b.N) {
			n, err := receive(bufs, sizes, eps)
			if err != nil {
				done <- err
				return
			}
			received.Add(int64(n))
			select {
			case wake <- struct{}{}:
			default:
			}
		}
		done <- nil
	}()
	for sent := 0; sent < b.N; {
		n := min(batch, b.N-sent)
		for int64(sent+n)-received.Load() > benchWindow {
			<-wake
		}
		send(n)
		sent += n
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
