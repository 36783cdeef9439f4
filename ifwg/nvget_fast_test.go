// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"testing"
)

// appendGetMatches checks that AppendGet writes what EncodeGet and Pack
// write for d, after a prefix it must leave alone.
func appendGetMatches(t *testing.T, d *Device, privileged bool) {
	t.Helper()
	want := packed(t)(EncodeGet(d, privileged))
	got, err := AppendGet([]byte("prefix"), d, privileged)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[:6]) != "prefix" || !bytes.Equal(got[6:], want) {
		t.Fatalf("AppendGet differs from EncodeGet+Pack (privileged %v)\n got %x\nwant %x", privileged, got[6:], want)
	}
}

func TestAppendGetMatchesEncodeGet(t *testing.T) {
	for name, v := range getVectors() {
		t.Run(name, func(t *testing.T) {
			appendGetMatches(t, &v.dev, v.privileged)
			appendGetMatches(t, &v.dev, !v.privileged)
		})
	}
	big := benchDevice(300)
	big.PublicKey = Ptr(big.PrivateKey.PublicKey())
	appendGetMatches(t, big, true)
	appendGetMatches(t, big, false)
	u := newUAPIRand(11)
	for range 500 {
		d := u.device()
		appendGetMatches(t, d, true)
		appendGetMatches(t, d, false)
	}
}

// FuzzAppendGet holds AppendGet to EncodeGet and Pack for every device a
// fuzzed GET reply decodes to.
func FuzzAppendGet(f *testing.F) {
	addVectorSeeds(f, "get-*.bin")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeGetBytes(data)
		if err != nil {
			return
		}
		appendGetMatches(t, d, true)
		appendGetMatches(t, d, false)
	})
}

func BenchmarkAppendGet(b *testing.B) {
	d := benchDevice(10000)
	d.PublicKey = Ptr(d.PrivateKey.PublicKey())
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendGet(buf[:0], d, true)
	}
	b.SetBytes(int64(len(buf)))
}
