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

// fuzzRoundTrip unpacks data and decodes it; whatever decodes must come
// back unchanged (after norm) from encoding, packing, unpacking and
// decoding again. It must never panic.
func fuzzRoundTrip[T any](t *testing.T, data []byte, decode func(*nvlist.List) (T, error),
	encode func(T) (*nvlist.List, error), norm func(T) T) {
	l, err := nvlist.Unpack(data)
	if err != nil {
		return
	}
	v, err := decode(l)
	if err != nil {
		return
	}
	enc, err := encode(v)
	if err != nil {
		t.Fatalf("encoding a decoded value: %v", err)
	}
	b, err := enc.Pack()
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	l2, err := nvlist.Unpack(b)
	if err != nil {
		t.Fatalf("Unpack of our own encoding: %v", err)
	}
	v2, err := decode(l2)
	if err != nil {
		t.Fatalf("decoding our own encoding: %v", err)
	}
	if !reflect.DeepEqual(norm(v), norm(v2)) {
		t.Fatalf("round trip changed the value:\n%+v\n%+v", v, v2)
	}
}

// FuzzDecodeGet feeds arbitrary bytes to the GET reply path of the
// backends: nvlist.Unpack then DecodeGet. It must never panic, and a
// decoded Device must survive EncodeGet and DecodeGet unchanged.
func FuzzDecodeGet(f *testing.F) {
	addVectorSeeds(f, "get-*.bin")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, DecodeGet,
			func(d *Device) (*nvlist.List, error) { return EncodeGet(d, true) }, normalizeGet)
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
		fuzzRoundTrip(t, data, DecodeSet, EncodeSet, normalizeSet)
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
