// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// BenchmarkShowDump10k runs `wg show <if> dump` on one wgd holding 10,000
// peers: Debian's wg, which speaks UAPI to it, and ours, which speaks the
// nvlist protocol. The daemon runs in a network namespace of its own and
// sends nothing (its peers have no traffic to answer).
func BenchmarkShowDump10k(b *testing.B) { benchmarkShowDump(b, 10000) }

// BenchmarkShowDump100k is BenchmarkShowDump10k with 100,000 peers; the
// two side by side show whether a dump stays linear in the peers. Loading
// the peers takes a minute or more on a busy machine.
func BenchmarkShowDump100k(b *testing.B) { benchmarkShowDump(b, 100000) }

// benchmarkShowDump configures one wgd with peers peers, each with a
// preshared key, an IPv4 endpoint and two allowed IPs, and times reading
// them: in process through ifwg (read-*, without printing) and by each wg
// as a process. Besides ns/op, each reports cpu-ms/op: the CPU time of
// the daemon and the reader together, which other jobs on the machine
// disturb far less than wall time.
func benchmarkShowDump(b *testing.B, peers int) {
	tl := requireTools(b)
	s := newTopology(b, tl).a
	daemonPID := startTestDaemon(b, tl, s, nil, tl.wgd, "-f", s.iface).cmd.Process.Pid
	name := s.iface
	priv, err := ifwg.GeneratePrivateKey()
	if err != nil {
		b.Fatal(err)
	}
	cfg := &ifwg.Config{PrivateKey: &priv, ListenPort: ifwg.Ptr[uint16](0), ReplacePeers: true}
	for i := range peers {
		psk := ifwg.Key{byte(i), byte(i >> 8), byte(i >> 16), 1}
		ep := ifwg.Endpoint{Addr: netip.AddrFrom4([4]byte{192, byte(i >> 16), byte(i >> 8), byte(i)}), Port: 51820}
		cfg.Peers = append(cfg.Peers, ifwg.PeerConfig{
			PublicKey:           ifwg.Key{byte(i), byte(i >> 8), byte(i >> 16), 2, 31: 7},
			PresharedKey:        &psk,
			Endpoint:            &ep,
			PersistentKeepalive: ifwg.Ptr[uint16](0),
			AllowedIPs: []ifwg.AllowedIP{
				{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)},
				{Prefix: netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, 1: 9, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 128)},
			},
		})
	}
	if err := (&ifwg.SocketBackend{}).ConfigureDevice(name, cfg); err != nil {
		b.Fatalf("configuring %d peers: %v", peers, err)
	}
	cfg = nil
	for _, in := range []struct {
		name string
		b    ifwg.Backend
	}{{"read-nvlist", &ifwg.SocketBackend{}}, {"read-uapi", &ifwg.UAPIBackend{}}} {
		b.Run(in.name, func(b *testing.B) {
			start := selfCPU() + procCPU(b, daemonPID)
			for b.Loop() {
				if d, err := in.b.Device(name); err != nil || len(d.Peers) != peers {
					b.Fatalf("%s: %v", in.name, err)
				}
			}
			reportCPU(b, selfCPU()+procCPU(b, daemonPID)-start)
		})
	}
	for _, impl := range []struct{ name, bin string }{
		{"debian-uapi", tl.stockWG},
		{"ours-nvlist", tl.wg},
	} {
		b.Run(impl.name, func(b *testing.B) {
			var size int
			cpu := -procCPU(b, daemonPID)
			for b.Loop() {
				c := exec.Command(impl.bin, "show", name, "dump")
				out, err := c.Output()
				if err != nil {
					b.Fatalf("%s show dump: %v", impl.name, err)
				}
				size = len(out)
				cpu += c.ProcessState.UserTime() + c.ProcessState.SystemTime()
			}
			reportCPU(b, cpu+procCPU(b, daemonPID))
			if size < peers*100 {
				b.Fatalf("dump of %d bytes for %d peers", size, peers)
			}
			b.ReportMetric(float64(size), "dump-bytes")
		})
	}
}

// reportCPU reports cpu, spent over the benchmark's iterations, as
// cpu-ms/op.
func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the CPU time (utime and stime, fields 14 and 15 of
// /proc/<pid>/stat, in clock ticks of 1/100 s) the process pid has used.
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name, field 2, is in parentheses and may hold
	// spaces: count fields from the last ")".
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
