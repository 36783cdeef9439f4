// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// uapiListenerStarted is the line wireguard-go logs once its UAPI socket
// accepts connections.
const uapiListenerStarted = "UAPI listener started"

// uapiLineWatch is a log sink that closes ready once a line containing
// want has been written.
type uapiLineWatch struct {
	want  string
	ready chan struct{}

	mu   sync.Mutex
	buf  bytes.Buffer
	seen bool
}

func (w *uapiLineWatch) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if !w.seen && bytes.Contains(w.buf.Bytes(), []byte(w.want)) {
		w.seen = true
		close(w.ready)
	}
	return len(b), nil
}

func (w *uapiLineWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startWireguardGo runs wireguard-go in the foreground on a new interface
// inside a network namespace made for the test, and returns the
// interface's name once its UAPI socket in /var/run/wireguard accepts
// connections. The daemon, namespace and socket go away when the test
// ends.
func startWireguardGo(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t)
	wgGo := testenv.RequireWireguardGo(t)
	ip := testenv.RequireTool(t, "", "ip")
	name := uapiUniqueName()
	ns := "wgbsd-uapi-" + name
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", ns, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ip, "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
		}
	})
	log := &uapiLineWatch{want: uapiListenerStarted, ready: make(chan struct{})}
	cmd := exec.Command(ip, "netns", "exec", ns, wgGo, "-f", name)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=verbose", "WG_PROCESS_FOREGROUND=1")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		os.Remove(filepath.Join(DefaultSocketDir, name+socketSuffix))
	})
	select {
	case <-log.ready:
	case err := <-exited:
		exited <- err
		t.Fatalf("wireguard-go exited before its UAPI listener started: %v\n%s", err, log)
	}
	return name
}

// uapiSortedDevice returns d with its peers in the order of their keys'
// text, as uapiSortedDump orders dump lines, and each
// peer's allowed IPs sorted, for comparing with wireguard-go, whose peer
// order changes from one get to the next.
func uapiSortedDevice(d *Device) *Device {
	out := *d
	out.Peers = slices.Clone(d.Peers)
	for i := range out.Peers {
		out.Peers[i].AllowedIPs = slices.Clone(out.Peers[i].AllowedIPs)
		slices.SortFunc(out.Peers[i].AllowedIPs, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	}
	slices.SortFunc(out.Peers, func(a, b Peer) int { return strings.Compare(a.PublicKey.String(), b.PublicKey.String()) })
	return &out
}

// uapiSortedDump returns wg(8)'s dump output with the peer lines sorted
// and each line's allowed IPs sorted.
func uapiSortedDump(dump string) string {
	lines := strings.Split(strings.TrimSuffix(dump, "\n"), "\n")
	for i := 1; i < len(lines); i++ {
		f := strings.Split(lines[i], "\t")
		if len(f) > 3 {
			aips := strings.Split(f[3], ",")
			sort.Strings(aips)
			f[3] = strings.Join(aips, ",")
		}
		lines[i] = strings.Join(f, "\t")
	}
	sort.Strings(lines[1:])
	return strings.Join(lines, "\n") + "\n"
}

// uapiMaskBoundPort returns wireguard-go's dump with its listen port
// shown as 0 where the model's is 0: wireguard-go, being up, reports the
// port the system chose, which the model cannot know.
func uapiMaskBoundPort(real, model string) string {
	m := strings.SplitN(model, "\t", 4)
	r := strings.SplitN(real, "\t", 4)
	if len(m) == 4 && len(r) == 4 && m[2] == "0" {
		r[2] = "0"
	}
	return strings.Join(r, "\t")
}

// TestUAPIBackendWireguardGo configures a real wireguard-go through
// UAPIBackend, reads it back, and compares every field with the Config and
// with Debian's `wg show <if> dump`.
func TestUAPIBackendWireguardGo(t *testing.T) {
	name := startWireguardGo(t)
	wg := testenv.RequireTool(t, "WGBSD_WG", "wg")
	b := &UAPIBackend{}
	check := func(step string, want *Device) {
		t.Helper()
		got, err := b.Device(name)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if g, w := uapiSortedDevice(got), uapiSortedDevice(want); !uapiDevicesEqual(g, w) {
			t.Errorf("%s: wireguard-go reports\n%swant\n%s", step, uapiDumpDevice(g), uapiDumpDevice(w))
		}
		out, stderr, err := runWg(wg, "show", name, "dump")
		if err != nil {
			t.Fatalf("%s: wg show: %v\n%s", step, err, stderr)
		}
		checkWgDump(t, uapiSortedDump(out), uapiSortedDevice(got))
	}

	names, err := b.Interfaces()
	if err != nil || !slices.Contains(names, name) {
		t.Fatalf("Interfaces() = %q, %v; want %s listed", names, err, name)
	}

	k := uapiIntegrationKeys()
	lo, err := net.InterfaceByIndex(1)
	if err != nil {
		t.Fatal(err)
	}
	llEndpoint := Endpoint{Addr: netip.MustParseAddr("fe80::3"), Port: 51823, ScopeID: uint32(lo.Index)}
	cfg := &Config{PrivateKey: &k.priv, ListenPort: Ptr[uint16](51820), FwMark: Ptr[uint32](0x1234), ReplacePeers: true,
		Peers: []PeerConfig{
			{PublicKey: k.pub[1], PresharedKey: &k.psk, Endpoint: uapiEP("192.0.2.1:51821"), PersistentKeepalive: Ptr[uint16](25),
				ReplaceAllowedIPs: true, AllowedIPs: uapiAIPs("10.0.0.1/32", "10.10.0.0/16")},
			{PublicKey: k.pub[2], Endpoint: uapiEP("[2001:db8::2]:51822"), ReplaceAllowedIPs: true,
				AllowedIPs: uapiAIPs("fd00::2/128", "10.1.2.3/24")},
			{PublicKey: k.pub[3], Endpoint: &llEndpoint, PersistentKeepalive: Ptr[uint16](0),
				AllowedIPs: uapiAIPs("::ffff:192.0.2.99/128")},
		}}
	if err := b.ConfigureDevice(name, cfg); err != nil {
		t.Fatal(err)
	}
	want := &Device{Name: name, PrivateKey: &k.priv, PublicKey: Ptr(k.priv.PublicKey()), ListenPort: 51820, FwMark: 0x1234,
		Peers: []Peer{
			{PublicKey: k.pub[1], PresharedKey: &k.psk, Endpoint: *uapiEP("192.0.2.1:51821"), PersistentKeepalive: 25,
				AllowedIPs: uapiPrefixes("10.0.0.1/32", "10.10.0.0/16"), ProtocolVersion: 1},
			{PublicKey: k.pub[2], PresharedKey: &Key{}, Endpoint: *uapiEP("[2001:db8::2]:51822"),
				AllowedIPs: uapiPrefixes("fd00::2/128", "10.1.2.0/24"), ProtocolVersion: 1},
			{PublicKey: k.pub[3], PresharedKey: &Key{}, Endpoint: llEndpoint,
				AllowedIPs: uapiPrefixes("::ffff:192.0.2.99/128"), ProtocolVersion: 1},
		}}
	check("configure", want)

	mustConfigure := func(c *Config) {
		t.Helper()
		if err := b.ConfigureDevice(name, c); err != nil {
			t.Fatal(err)
		}
	}
	mustConfigure(&Config{Peers: []PeerConfig{{PublicKey: k.pub[2], Remove: true}}})
	want.Peers = slices.Delete(want.Peers, 1, 2)
	check("remove", want)

	mustConfigure(&Config{Peers: []PeerConfig{
		{PublicKey: k.pub[4], UpdateOnly: true, Endpoint: uapiEP("192.0.2.4:1"), AllowedIPs: uapiAIPs("10.0.0.1/32")},
		{PublicKey: k.pub[3], UpdateOnly: true, PersistentKeepalive: Ptr[uint16](7)},
	}})
	want.Peers[1].PersistentKeepalive = 7
	check("update-only", want)

	mustConfigure(&Config{Peers: []PeerConfig{{PublicKey: k.pub[1],
		AllowedIPs: []AllowedIP{{Prefix: netip.MustParsePrefix("10.10.0.0/16"), Remove: true}}}}})
	want.Peers[0].AllowedIPs = uapiPrefixes("10.0.0.1/32")
	check("allowed-ip removal", want)

	unclamped := k.priv
	unclamped[0] |= 7
	mustConfigure(&Config{PrivateKey: &unclamped, FwMark: Ptr[uint32](0), ListenPort: Ptr[uint16](51999)})
	want.FwMark, want.ListenPort = 0, 51999
	check("clamped private key", want)

	mustConfigure(&Config{PrivateKey: &Key{}, ReplacePeers: true, Peers: []PeerConfig{{PublicKey: k.pub[5]}}})
	want.PrivateKey, want.PublicKey = nil, nil
	want.Peers = []Peer{{PublicKey: k.pub[5], PresharedKey: &Key{}, ProtocolVersion: 1}}
	check("replace peers, clear private key", want)
}

// uapiIntegrationKeys are the keys of the integration tests.
type uapiKeys struct {
	priv, psk Key
	pub       [8]Key
}

func uapiIntegrationKeys() uapiKeys {
	k := uapiKeys{priv: uapiTestKey(10).Clamped(), psk: uapiTestKey(11)}
	for i := range k.pub {
		k.pub[i] = uapiTestKey(20 + i).Clamped().PublicKey()
	}
	return k
}

func uapiEP(s string) *Endpoint {
	e, err := EndpointFromAddrPort(netip.MustParseAddrPort(s))
	if err != nil {
		panic(err)
	}
	return &e
}

func uapiAIPs(ss ...string) []AllowedIP {
	var a []AllowedIP
	for _, p := range uapiPrefixes(ss...) {
		a = append(a, AllowedIP{Prefix: p})
	}
	return a
}

func uapiPrefixes(ss ...string) []netip.Prefix {
	var p []netip.Prefix
	for _, s := range ss {
		p = append(p, netip.MustParsePrefix(s))
	}
	return p
}

// uapiRawSet sends a raw set request body to the named interface and
// returns the outcome its reply reports.
func uapiRawSet(t *testing.T, name, body string) error {
	t.Helper()
	c, err := net.Dial("unix", filepath.Join(DefaultSocketDir, name+socketSuffix))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(uapiSetLine + "\n" + body)); err != nil {
		t.Fatal(err)
	}
	return ParseUAPISetReply(c)
}

// TestUAPISetErrorsMatchWireguardGo sends malformed set requests to
// wireguard-go and checks that UAPISetDecoder fails on each with the
// errno wireguard-go answers, and accepts what it accepts.
func TestUAPISetErrorsMatchWireguardGo(t *testing.T) {
	name := startWireguardGo(t)
	pub := uapiTestKey(30).Hex()
	long := func(n int) string { return "fwmark=" + strings.Repeat("0", n-len("fwmark=")-2) + "1\n" }
	for _, body := range []string{
		"bogus=1\n\n",
		"listen_port=65536\n\n",
		"fwmark=-1\n\n",
		"replace_peers=false\n\n",
		"private_key=" + strings.Repeat("0", 63) + "\n\n",
		"endpoint=192.0.2.1:1\n\n",
		"line without equals\n\n",
		"public_key=" + pub + "\nlisten_port=1\n\n",
		"public_key=" + pub + "\nendpoint=example.com:1\n\n",
		"public_key=" + pub + "\nendpoint=::1:1\n\n",
		"public_key=" + pub + "\nallowed_ip=10.0.0.1\n\n",
		"public_key=" + pub + "\nallowed_ip=-10.0.0.0/8\nprotocol_version=1\n\n",
		"public_key=" + pub + "\nprotocol_version=2\n\n",
		"public_key=" + pub + "\nremove=yes\n\n",
		"public_key=" + pub + "\nupdate_only=true\nendpoint=[fe80::1%1]:1\n\n",
		"public_key=" + strings.ToUpper(pub) + "\r\nremove=true\r\n\r\n",
		"fwmark=1\n" + long(maxUAPILine) + "\n",
		"fwmark=1\n" + long(maxUAPILine+1) + "\n",
	} {
		t.Run(strings.ReplaceAll(uapiClip(body), "\n", `\n`), func(t *testing.T) {
			theirs := uapiRawSet(t, name, body)
			_, ours := ParseUAPISet(strings.NewReader(body))
			var en *Errno
			var want syscall.Errno
			if errors.As(theirs, &en) {
				want = en.Errno
			} else if theirs != nil {
				t.Fatalf("wireguard-go reply: %v", theirs)
			}
			if got := errnoOf(ours); got != want {
				t.Errorf("decoder errno %d (%v), wireguard-go %d", got, ours, want)
			}
		})
	}
}

// TestUAPIServerMatchesWireguardGo drives wireguard-go and a ServeUAPI
// server over uapiModel with the same wg(8) commands and checks that
// `wg show <if> dump` shows the same for both after each.
func TestUAPIServerMatchesWireguardGo(t *testing.T) {
	real := startWireguardGo(t)
	wg := testenv.RequireTool(t, "WGBSD_WG", "wg")
	model := uapiUniqueName()
	(&uapiModel{}).serve(t, DefaultSocketDir, model)
	dir := t.TempDir()
	k := uapiIntegrationKeys()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	peer3Priv := uapiTestKey(23).Clamped()
	privFile, psk := write("priv", k.priv.String()), write("psk", k.psk.String())
	peer3File := write("peer3", peer3Priv.String())
	conf := write("three.conf", fmt.Sprintf(`[Interface]
PrivateKey = %s
ListenPort = 51830
FwMark = 0x42
[Peer]
PublicKey = %s
PresharedKey = %s
Endpoint = 192.0.2.1:51821
PersistentKeepalive = 25
AllowedIPs = 10.0.0.1/32, 10.10.3.4/16
[Peer]
PublicKey = %s
Endpoint = [::1.2.3.4]:51822
AllowedIPs = fd00::2/128, ::ffff:10.9.9.9/128
[Peer]
PublicKey = %s
Endpoint = [fe80::3%%lo]:51823
AllowedIPs = 10.0.0.3/32
`, k.priv, k.pub[1], k.psk, k.pub[2], k.pub[3]))
	add := write("add.conf", fmt.Sprintf("[Peer]\nPublicKey = %s\nEndpoint = [2001:db8::4]:4\nAllowedIPs = 10.0.0.1/32\n[Peer]\nPublicKey = %s\nPersistentKeepalive = 9\n",
		k.pub[4], k.pub[1]))
	empty := write("empty.conf", "")
	steps := [][]string{
		{"setconf", "{if}", conf},
		{"set", "{if}", "peer", k.pub[2].String(), "remove", "peer", k.pub[5].String()},
		{"set", "{if}", "peer", k.pub[1].String(), "allowed-ips", "10.9.0.0/16", "peer", k.pub[3].String(), "allowed-ips", "10.9.0.0/16,10.0.0.3"},
		{"set", "{if}", "peer", k.pub[3].String(), "preshared-key", psk, "peer", k.pub[1].String(), "preshared-key", "/dev/null", "persistent-keepalive", "off"},
		{"set", "{if}", "listen-port", "0", "fwmark", "off", "private-key", "/dev/null"},
		{"set", "{if}", "private-key", peer3File, "peer", k.pub[3].String(), "endpoint", "192.0.2.33:3"},
		{"set", "{if}", "private-key", privFile, "peer", k.pub[3].String(), "endpoint", "192.0.2.33:3"},
		{"addconf", "{if}", add},
		{"setconf", "{if}", empty},
	}
	for i, step := range steps {
		var dumps [2]string
		for j, name := range []string{real, model} {
			args := slices.Clone(step)
			args[1] = name
			if out, err := exec.Command(wg, args...).CombinedOutput(); err != nil {
				t.Fatalf("step %d: wg %v on %s: %v\n%s", i, step[0], name, err, out)
			}
			out, stderr, err := runWg(wg, "show", name, "dump")
			if err != nil {
				t.Fatalf("step %d: wg show %s: %v\n%s", i, name, err, stderr)
			}
			dumps[j] = uapiSortedDump(out)
		}
		dumps[0] = uapiMaskBoundPort(dumps[0], dumps[1])
		if dumps[0] != dumps[1] {
			t.Errorf("step %d (wg %s): wireguard-go shows\n%sthe model server shows\n%s", i, step[0], dumps[0], dumps[1])
		}
	}
}
