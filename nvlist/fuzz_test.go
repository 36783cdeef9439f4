// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
)

// maxFuzzRepack bounds the re-packed size the fuzz target checks. A small
// input can legitimately announce many nvlist array elements that it never
// reaches; they re-pack as empty lists and can make the packed form much
// larger than the input.
const maxFuzzRepack = 64 << 20

// FuzzUnpack checks that Unpack never panics, and that whatever it accepts
// packs, and that the packed bytes unpack to an equal list which packs to
// the same bytes again.
func FuzzUnpack(f *testing.F) {
	for _, pattern := range []string{
		"testdata/vectors/*.bin",
		"testdata/invalid/*.bin",
		"testdata/invalid/accepted/*.bin",
		"../ifwg/testdata/*.bin",
	} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			f.Add(readFile(f, file))
		}
	}
	for _, blob := range differentialBlobs(f) {
		f.Add(blob)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		l, err := Unpack(data)
		if !bytes.Equal(data, orig) {
			t.Fatal("Unpack modified its input")
		}
		// UnpackOwned must agree with Unpack on every input, and leave
		// its input as it was too.
		owned := bytes.Clone(data)
		lo, errOwned := UnpackOwned(owned)
		if (err == nil) != (errOwned == nil) || !bytes.Equal(owned, orig) {
			t.Fatalf("UnpackOwned: %v, Unpack: %v", errOwned, err)
		}
		if err == nil && !Equal(l, lo) {
			t.Fatal("UnpackOwned decoded another list than Unpack")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Op != "unpack" || e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		size, err := l.PackedSize()
		if err != nil {
			t.Fatalf("PackedSize of an accepted list: %v", err)
		}
		if size > maxFuzzRepack {
			return
		}
		p1, err := l.Pack()
		if err != nil {
			t.Fatalf("Pack of an accepted list: %v", err)
		}
		if len(p1) != size {
			t.Fatalf("Pack gave %d bytes, PackedSize %d", len(p1), size)
		}
		l2, err := Unpack(p1)
		if err != nil {
			t.Fatalf("Unpack of re-packed %x: %v", p1, err)
		}
		if !Equal(l, l2) || !Equal(l2, l) {
			t.Fatalf("re-packed list differs")
		}
		p2, err := l2.Pack()
		if err != nil || !bytes.Equal(p1, p2) {
			t.Fatalf("second re-pack differs: %v", err)
		}
	})
}

// differentialBlobs returns the blobs of the differential corpus.
func differentialBlobs(tb testing.TB) [][]byte {
	var blobs [][]byte
	for _, c := range differentialCases(tb) {
		b, err := hex.DecodeString(c.Hex)
		if err != nil {
			tb.Fatal(err)
		}
		blobs = append(blobs, b)
	}
	return blobs
}
