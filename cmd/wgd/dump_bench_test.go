// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// BenchmarkShowDump10k runs `wg show <if> dump` on one wgd holding 10,000
// peers: Debian's wg, which speaks UAPI to it, and ours, which speaks the
// nvlist protocol. The daemon runs in a network namespace of its own and
// sends nothing (its peers have no traffic to answer).
func BenchmarkShowDump10k(b *testing.B) {
	testenv.RequireRoot(b)
	ipCmd := testenv.RequireTool(b, "", "ip")
	stock := testenv.RequireTool(b, "WGBSD_WG", "wg")
	dir := b.TempDir()
	for _, c := range []string{"wgd", "wg"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, c), "github.com/wgbsd/wgbsd/cmd/"+c).CombinedOutput()
		if err != nil {
			b.Fatalf("go build %s: %v\n%s", c, err, out)
		}
	}
	ns := fmt.Sprintf("wgbsd-bench-%d", os.Getpid())
	if out, err := exec.Command(ipCmd, "netns", "add", ns).CombinedOutput(); err != nil {
		b.Fatalf("ip netns add: %v\n%s", err, out)
	}
	b.Cleanup(func() { exec.Command(ipCmd, "netns", "del", ns).Run() })
	name := fmt.Sprintf("wb%d", os.Getpid()%10000000)
	d := exec.Command(ipCmd, "netns", "exec", ns, filepath.Join(dir, "wgd"), "-f", name)
	if err := d.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Process.Signal(syscall.SIGTERM); d.Wait() })
	sock := filepath.Join(ifwg.DefaultSocketDir, name+".sock")
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("wgd never served its socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
	priv, err := ifwg.GeneratePrivateKey()
	if err != nil {
		b.Fatal(err)
	}
	cfg := &ifwg.Config{PrivateKey: &priv, ListenPort: ifwg.Ptr[uint16](0), ReplacePeers: true}
	for i := range 10000 {
		psk := ifwg.Key{byte(i), byte(i >> 8), 1}
		ep := ifwg.Endpoint{Addr: netip.AddrFrom4([4]byte{192, 0, byte(i >> 8), byte(i)}), Port: 51820}
		cfg.Peers = append(cfg.Peers, ifwg.PeerConfig{
			PublicKey:           ifwg.Key{byte(i), byte(i >> 8), 2, 31: 7},
			PresharedKey:        &psk,
			Endpoint:            &ep,
			PersistentKeepalive: ifwg.Ptr[uint16](0),
			AllowedIPs: []ifwg.AllowedIP{
				{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), 32)},
				{Prefix: netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, 1: 9, 14: byte(i >> 8), 15: byte(i)}), 128)},
			},
		})
	}
	if err := (&ifwg.SocketBackend{}).ConfigureDevice(name, cfg); err != nil {
		b.Fatalf("configuring 10,000 peers: %v", err)
	}
	for _, in := range []struct {
		name string
		b    ifwg.Backend
	}{{"read-nvlist", &ifwg.SocketBackend{}}, {"read-uapi", &ifwg.UAPIBackend{}}} {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if d, err := in.b.Device(name); err != nil || len(d.Peers) != 10000 {
					b.Fatalf("%s: %v", in.name, err)
				}
			}
		})
	}
	for _, impl := range []struct{ name, bin string }{
		{"debian-uapi", stock},
		{"ours-nvlist", filepath.Join(dir, "wg")},
	} {
		b.Run(impl.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				out, err := exec.Command(impl.bin, "show", name, "dump").Output()
				if err != nil {
					b.Fatalf("%s show dump: %v", impl.name, err)
				}
				size = len(out)
			}
			if size < 10000*100 {
				b.Fatalf("dump of %d bytes for 10,000 peers", size)
			}
			b.ReportMetric(float64(size), "dump-bytes")
		})
	}
}
