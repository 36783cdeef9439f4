// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// setSeeds returns wg(8)'s SET vectors and a few requests of this
// package's tests.
func setSeeds(f *testing.F) [][]byte {
	files, _ := filepath.Glob("../../ifwg/testdata/set-*.bin")
	if len(files) == 0 {
		f.Fatal("no SET vectors in ../../ifwg/testdata")
	}
	var seeds [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	t := f
	rm := aip(t, "10.0.0.0/8")
	rm.AddNumber(ifwg.NVFlags, 1)
	for _, l := range []*nvlist.List{
		nv(t, ifwg.NVReplacePeers, true, ifwg.NVListenPort, 65536),
		nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVRemove, true), nv(t, ifwg.NVPresharedKey, key(2)))),
		nv(t, ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(1), ifwg.NVAllowedIPs, peers(rm, nv(t, ifwg.NVCIDR, 3, ifwg.NVFlags, 2))))),
		nv(t, ifwg.NVPrivateKey, key(3), ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, key(3).PublicKey(), ifwg.NVEndpoint, make([]byte, 29)))),
	} {
		b, _ := l.Pack()
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzNVListSet sends arbitrary payloads through the SET path. Besides
// never panicking, the errno must be the one ifwg.DecodeSet finds with
// the same rules (when the request cannot name the interface's own key),
// and the engine must stay consistent.
func FuzzNVListSet(f *testing.F) {
	for _, b := range setSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		e := newFakeEngine()
		s := NewServer(e, Logger{})
		l, unpackErr := nvlist.Unpack(payload)
		en := s.wgcSet(bytes.Clone(payload))
		if unpackErr != nil {
			if en != syscall.EBADMSG {
				t.Fatalf("unpack failed (%v) but SET answered %v", unpackErr, en)
			}
			return
		}
		checkConsistent(t, e)
		if namesOwnKey(l) {
			return // ApplySet skips such a peer; DecodeSet cannot know to
		}
		_, err := ifwg.DecodeSet(l)
		var se *ifwg.SetError
		want := syscall.Errno(0)
		if errors.As(err, &se) {
			want = se.Errno
		}
		if en != want {
			t.Fatalf("SET answered %v, DecodeSet %v", en, err)
		}
	})
}

// checkConsistent checks that peers are unique and that every prefix is
// masked and held by one peer.
func checkConsistent(t *testing.T, e *fakeEngine) {
	t.Helper()
	keys := map[ifwg.Key]bool{}
	owners := map[netip.Prefix]bool{}
	for _, p := range e.peers {
		if keys[p.pub] {
			t.Fatalf("peer %v twice", p.pub)
		}
		keys[p.pub] = true
		for _, a := range p.aips {
			if owners[a] || a != a.Masked() {
				t.Fatalf("prefix %v held twice or unmasked", a)
			}
			owners[a] = true
		}
	}
}

// FuzzControlConn feeds arbitrary bytes to a connection handler, as the
// first bytes of a connection, privileged or not.
func FuzzControlConn(f *testing.F) {
	for _, b := range setSeeds(f) {
		var req bytes.Buffer
		req.WriteString(ifwg.ControlHello)
		ifwg.WriteControlRequest(&req, ifwg.ControlSet, b)
		ifwg.WriteControlRequest(&req, ifwg.ControlGet, nil)
		f.Add(req.Bytes(), true)
	}
	f.Add([]byte(ifwg.ControlHello+"\xd3\x69\x20\xc0\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f"), true)
	f.Add([]byte("set=1\nprivate_key="+key(1).Hex()+"\nlisten_port=1\npublic_key="+key(2).Hex()+
		"\nendpoint=[::1%1]:5\nallowed_ip=-10.0.0.0/8\nupdate_only=true\n\nget=1\n\n"), true)
	f.Add([]byte("set=1\nreplace_peers=true\n\nget=1\n\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, priv bool) {
		e := configuredEngine()
		s := NewServer(e, Logger{})
		var out bytes.Buffer
		_ = s.serveStream(bufio.NewReader(bytes.NewReader(data)), &out, priv)
		checkConsistent(t, e)
		if !priv {
			if e.configures != 0 {
				t.Fatal("unprivileged input configured the engine")
			}
			for _, k := range []ifwg.Key{key(0x99), key(0x42).Clamped()} {
				if bytes.Contains(out.Bytes(), k[:]) || bytes.Contains(out.Bytes(), []byte(k.Hex())) {
					t.Fatal("a secret key reached an unprivileged caller")
				}
			}
		}
	})
}

// namesOwnKey reports whether a SET request sets a private key and has a
// peer element naming that key's public key, which ApplySet ignores as the
// interface's own.
func namesOwnKey(l *nvlist.List) bool {
	k, ok := l.Binary(ifwg.NVPrivateKey)
	if !ok || len(k) != ifwg.KeyLen {
		return false
	}
	pub := ifwg.Key(k).PublicKey()
	peers, _ := l.NVListArray(ifwg.NVPeers)
	for _, p := range peers {
		if b, ok := p.Binary(ifwg.NVPublicKey); ok && string(b) == string(pub[:]) {
			return true
		}
	}
	return false
}
