// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wgbsd/wgbsd/nvlist"
)

func addVectorSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeGet feeds arbitrary bytes to the GET reply path of the
// backends: nvlist.Unpack then DecodeGet. It must never panic, and a
// decoded Device must survive EncodeGet and DecodeGet unchanged.
func FuzzDecodeGet(f *testing.F) {
	addVectorSeeds(f, "get-*.bin")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := nvlist.Unpack(data)
		if err != nil {
			return
		}
		d, err := DecodeGet(l)
		if err != nil {
			return
		}
		enc, err := EncodeGet(d, true)
		if err != nil {
			t.Fatalf("EncodeGet of a decoded device: %v", err)
		}
		b, err := enc.Pack()
		if err != nil {
			t.Fatalf("Pack: %v", err)
		}
		l2, err := nvlist.Unpack(b)
		if err != nil {
			t.Fatalf("Unpack of our own encoding: %v", err)
		}
		d2, err := DecodeGet(l2)
		if err != nil {
			t.Fatalf("DecodeGet of our own encoding: %v", err)
		}
		if !reflect.DeepEqual(normalizeGet(d), normalizeGet(d2)) {
			t.Fatalf("round trip changed the device:\n%+v\n%+v", d, d2)
		}
	})
}

// normalizeGet drops what the kernel's encoding cannot carry: a public key
// without a private key is kept, a private key without a public key is not
// (the kernel reports keys only in pairs); an IPv4 endpoint has no flow or
// scope.
func normalizeGet(d *Device) *Device {
	c := *d
	if c.PublicKey == nil {
		c.PrivateKey = nil
	}
	c.Peers = append([]Peer(nil), d.Peers...)
	for i := range c.Peers {
		p := &c.Peers[i]
		if p.PresharedKey == nil {
			p.PresharedKey = &Key{}
		}
		if len(p.AllowedIPs) == 0 {
			p.AllowedIPs = nil
		}
	}
	return &c
}

// FuzzDecodeSet feeds arbitrary bytes to the SET path a daemon serves:
// nvlist.Unpack then DecodeSet. It must never panic, and a decoded Config
// must survive EncodeSet and DecodeSet unchanged.
func FuzzDecodeSet(f *testing.F) {
	addVectorSeeds(f, "set-*.bin")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := nvlist.Unpack(data)
		if err != nil {
			return
		}
		c, err := DecodeSet(l)
		if err != nil {
			return
		}
		enc, err := EncodeSet(c)
		if err != nil {
			t.Fatalf("EncodeSet of a decoded config: %v", err)
		}
		b, err := enc.Pack()
		if err != nil {
			t.Fatalf("Pack: %v", err)
		}
		l2, err := nvlist.Unpack(b)
		if err != nil {
			t.Fatalf("Unpack of our own encoding: %v", err)
		}
		c2, err := DecodeSet(l2)
		if err != nil {
			t.Fatalf("DecodeSet of our own encoding: %v", err)
		}
		if !reflect.DeepEqual(normalizeSet(c), normalizeSet(c2)) {
			t.Fatalf("round trip changed the config:\n%+v\n%+v", c, c2)
		}
	})
}

// normalizeSet drops what EncodeSet leaves out: an endpoint without an
// address.
func normalizeSet(c *Config) *Config {
	out := *c
	out.Peers = append([]PeerConfig(nil), c.Peers...)
	for i := range out.Peers {
		if e := out.Peers[i].Endpoint; e != nil && !e.IsValid() {
			out.Peers[i].Endpoint = nil
		}
	}
	return &out
}

// decodeGetBytes unpacks and decodes a GET reply.
func decodeGetBytes(data []byte) (*Device, error) {
	l, err := nvlist.Unpack(data)
	if err != nil {
		return nil, err
	}
	return DecodeGet(l)
}
