// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"fmt"
	"net/netip"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

// BenchmarkIdlePeers loads 10,000 and 100,000 idle peers (endpoint and
// one allowed IP, on an up device) in one Configure and reports, per
// peer, the heap they hold (B/peer), the process CPU time the load took
// (CPU-us/peer) and the allocations it made (allocs/peer). One op is
// loading all the peers; the keys are made before the timer starts. CPU
// time per peer, unlike ns/op on a shared machine, shows whether loading
// stays linear: the two sizes should report about the same.
func BenchmarkIdlePeers(b *testing.B) {
	for _, peers := range []int{10000, 100000} {
		b.Run(fmt.Sprint(peers), func(b *testing.B) {
			keys := make([]noise.PublicKey, peers)
			for i := range keys {
				keys[i] = newKey(b).PublicKey()
			}
			var perPeer float64
			var cpu time.Duration
			var allocs uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := NewDevice(tuntest.New("mem", DefaultMTU), newTestBind(bindtest.NewNetwork(), "192.0.2.70"), Options{IgnoreLinkEvents: true})
				if err := d.Configure(func(tx *ConfigTx) error { tx.SetPrivateKey(newKey(b)); return nil }); err != nil {
					b.Fatal(err)
				}
				if err := d.Up(); err != nil {
					b.Fatal(err)
				}
				before := heapInUse()
				mallocs := mallocCount()
				start := cpuTime()
				b.StartTimer()
				err := d.Configure(func(tx *ConfigTx) error {
					for i, k := range keys {
						p, err := tx.CreatePeer(k)
						if err != nil {
							return err
						}
						p.SetEndpoint(netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, byte(i >> 16), byte(i >> 8), byte(i)}), 51820))
						if err := p.AddAllowedIP(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)); err != nil {
							return err
						}
					}
					return nil
				})
				b.StopTimer()
				cpu += cpuTime() - start
				allocs += mallocCount() - mallocs
				if err != nil {
					b.Fatal(err)
				}
				perPeer = float64(heapInUse()-before) / float64(peers)
				d.Close()
				b.StartTimer()
			}
			n := float64(b.N) * float64(peers)
			b.ReportMetric(perPeer, "B/peer")
			b.ReportMetric(float64(cpu.Microseconds())/n, "CPU-us/peer")
			b.ReportMetric(float64(allocs)/n, "allocs/peer")
		})
	}
}

// mallocCount returns the number of heap allocations the process has
// made.
func mallocCount() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// BenchmarkHandshakes feeds valid initiations from 1,024 peers to a device
// and reports the handshakes it answers per second of the process's CPU
// time (the metric handshakes/CPU-s): consuming the initiation, the
// response, the keypair and the send. The initiations are made with the
// timer stopped, in chunks small enough not to put the device under load,
// so every one is answered with a response rather than a cookie.
func BenchmarkHandshakes(b *testing.B) {
	const peers = 1024
	const chunk = UnderLoadQueueLength / 2
	c := clock.NewFake(testStart)
	bind := newTestBind(bindtest.NewNetwork(), "192.0.2.70")
	var responses atomic.Int64
	bind.setFilter(func(pkt []byte, _ netip.AddrPort) bool {
		if t, err := noise.ParseMessageType(pkt); err == nil && t == noise.MessageResponseType {
			responses.Add(1)
		}
		return false
	})
	d := NewDevice(tuntest.New("mem", DefaultMTU), bind, Options{IgnoreLinkEvents: true, Clock: c})
	defer d.Close()
	key := newKey(b)
	if err := d.Configure(func(tx *ConfigTx) error { tx.SetPrivateKey(key); return nil }); err != nil {
		b.Fatal(err)
	}
	if err := d.Up(); err != nil {
		b.Fatal(err)
	}
	ids := make([]*noise.StaticIdentity, peers)
	hs := make([]*noise.Handshake, peers)
	srcs := make([]netip.AddrPort, peers)
	err := d.Configure(func(tx *ConfigTx) error {
		for i := range ids {
			k := newKey(b)
			id, err := noise.NewStaticIdentity(k)
			if err != nil {
				return err
			}
			ids[i] = id
			hs[i] = noise.NewHandshake(id, key.PublicKey(), noise.PresharedKey{}, c.Now)
			srcs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), 51820)
			p, err := tx.CreatePeer(k.PublicKey())
			if err != nil {
				return err
			}
			p.SetEndpoint(srcs[i])
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	gen := cookie.NewGenerator(key.PublicKey(), c.Now)
	msgs := make([][]byte, chunk)
	var cpu time.Duration
	next := 0
	for done := 0; done < b.N; {
		b.StopTimer()
		n := min(chunk, b.N-done)
		for i := range n {
			if next == peers {
				// Every peer has initiated once: move past
				// the initiation rate limit and the timestamp
				// granularity before the next round.
				next = 0
				c.Advance(time.Second)
			}
			m, err := hs[next].CreateInitiation(uint32(next + 1))
			if err != nil {
				b.Fatal(err)
			}
			if msgs[i], err = m.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
			if err := gen.AddMACs(msgs[i]); err != nil {
				b.Fatal(err)
			}
			next++
		}
		start := cpuTime()
		b.StartTimer()
		for i := range n {
			d.queueHandshake(msgs[i], srcs[(next-n+i+peers)%peers])
		}
		for d.inflight.Load() != 0 {
			time.Sleep(50 * time.Microsecond)
		}
		b.StopTimer()
		cpu += cpuTime() - start
		done += n
		b.StartTimer()
	}
	if got := responses.Load(); got != int64(b.N) {
		b.Fatalf("%d responses to %d initiations", got, b.N)
	}
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "handshakes/CPU-s")
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
