// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// must returns a function that fails t on the error a call returned and
// otherwise passes its value on: must[[]byte](t)(os.ReadFile(path)).
func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func readFile(t testing.TB, path string) []byte { return must[[]byte](t)(os.ReadFile(path)) }

func glob(t testing.TB, pattern string) []string { return must[[]string](t)(filepath.Glob(pattern)) }

// checkDecode unpacks data, compares the list with want and checks that
// the decoded list packs to repack. It returns the decoded list.
func checkDecode(t *testing.T, data []byte, want *List, repack []byte) *List {
	t.Helper()
	l, err := Unpack(data)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if !Equal(l, want) {
		t.Fatalf("decoded list differs from its JSON description")
	}
	got, err := l.Pack()
	if err != nil {
		t.Fatalf("Pack of decoded list: %v", err)
	}
	if !bytes.Equal(got, repack) {
		t.Fatalf("Pack of decoded list:\n got %x\nwant %x", got, repack)
	}
	return l
}

// checkRoundTrip checks what checkDecode does, and that the decoded
// list's PackedSize and the Pack of want agree with repack.
func checkRoundTrip(t *testing.T, data []byte, want *List, repack []byte) {
	t.Helper()
	l := checkDecode(t, data, want, repack)
	if n, err := l.PackedSize(); err != nil || n != len(repack) {
		t.Fatalf("PackedSize = %d, %v; want %d", n, err, len(repack))
	}
	built, err := want.Pack()
	if err != nil {
		t.Fatalf("Pack of the list built from JSON: %v", err)
	}
	if !bytes.Equal(built, repack) {
		t.Fatalf("Pack of the list built from JSON:\n got %x\nwant %x", built, repack)
	}
}

// TestVectors checks every libnv-produced vector: decode, compare with its
// JSON, re-pack, and pack the JSON built with the Add methods. Big-endian
// vectors re-pack to the little-endian file of the same base name.
func TestVectors(t *testing.T) {
	files := glob(t, "testdata/vectors/*.bin")
	if len(files) != 44 {
		t.Fatalf("found %d vectors, want 44", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data := readFile(t, f)
			want := loadJSON(t, strings.TrimSuffix(f, ".bin")+".json")
			repack := data
			if le, ok := strings.CutSuffix(f, "-be.bin"); ok {
				repack = readFile(t, le+".bin")
				if bytes.Equal(data, repack) && len(data) > listHeaderSize {
					t.Fatal("big-endian vector equals its little-endian form")
				}
			}
			checkDecode(t, data, want, repack)
		})
	}
}

// TestIfwgVectors round-trips the if_wg SET and GET payloads byte for byte.
func TestIfwgVectors(t *testing.T) {
	files := glob(t, "../ifwg/testdata/*.bin")
	if len(files) == 0 {
		t.Fatal("no if_wg vectors in ../ifwg/testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data := readFile(t, f)
			want := loadJSON(t, strings.TrimSuffix(f, ".bin")+".json")
			checkRoundTrip(t, data, want, data)
		})
	}
}

// invalidCase is one row of testdata/invalid/README.md.
type invalidCase struct {
	file   string
	size   int
	result string // errno for rejected files, re-pack behaviour for accepted ones
}

var invalidRow = regexp.MustCompile("^\\| `([a-z0-9/-]+\\.bin)` \\| ([0-9]+) \\| ([^|]*)\\|")

// invalidCases reads the table of rejected and accepted files from the
// README that comes with them, so that every file is tested as the oracle
// classified it.
func invalidCases(t *testing.T) (rejected, accepted []invalidCase) {
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "testdata/invalid/README.md")))
	for sc.Scan() {
		m := invalidRow.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		size, _ := strconv.Atoi(m[2])
		c := invalidCase{file: m[1], size: size, result: strings.TrimSpace(m[3])}
		if strings.HasPrefix(c.file, "accepted/") {
			accepted = append(accepted, c)
		} else {
			rejected = append(rejected, c)
		}
	}
	// Every file on disk must have its row.
	if n := len(glob(t, "testdata/invalid/*.bin")); n != len(rejected) {
		t.Fatalf("%d rejected files, %d README rows", n, len(rejected))
	}
	if n := len(glob(t, "testdata/invalid/accepted/*.bin")); n != len(accepted) {
		t.Fatalf("%d accepted files, %d README rows", n, len(accepted))
	}
	return rejected, accepted
}

// wantErrno maps the README's errno column to the errno Unpack reports.
// libnv leaves a stale errno when it rejects a marker at the top level;
// Unpack reports EINVAL there.
func wantErrno(col string) syscall.Errno {
	switch {
	case col == "EILSEQ":
		return syscall.EILSEQ
	case col == "EEXIST", col == "": // the one blank row is a duplicate name
		return syscall.EEXIST
	}
	return syscall.EINVAL
}

func TestInvalidRejected(t *testing.T) {
	rejected, _ := invalidCases(t)
	for _, c := range rejected {
		t.Run(c.file, func(t *testing.T) {
			data := readFile(t, "testdata/invalid/"+c.file)
			if len(data) != c.size {
				t.Fatalf("file has %d bytes, README says %d", len(data), c.size)
			}
			l, err := Unpack(data)
			if err == nil {
				t.Fatalf("accepted: %d pairs", l.Len())
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if want := wantErrno(c.result); e.Errno != want || !errors.Is(err, want) {
				t.Fatalf("errno %v, want %v (%v)", e.Errno, want, err)
			}
			if e.Op != "unpack" || e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("bad error position: %+v", e)
			}
		})
	}
}

// TestInvalidWithFlags checks the files rejected only because the caller
// asked for flags 0.
func TestInvalidWithFlags(t *testing.T) {
	for file, flags := range map[string]int{
		"hdr-flag-ignore-case.bin":    FlagIgnoreCase,
		"hdr-flag-no-unique.bin":      FlagNoUnique,
		"hdr-flag-no-unique-dups.bin": FlagNoUnique,
	} {
		data := readFile(t, "testdata/invalid/"+file)
		l, err := UnpackWithFlags(data, flags)
		if err != nil {
			t.Errorf("%s with flags %d: %v", file, flags, err)
			continue
		}
		if l.Flags() != flags {
			t.Errorf("%s: Flags() = %d", file, l.Flags())
		}
		if got, err := l.Pack(); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: re-pack %x, %v; want %x", file, got, err, data)
		}
	}
	if _, err := UnpackWithFlags(readFile(t, "testdata/vectors/empty.bin"), 4); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("UnpackWithFlags(4): %v, want EINVAL", err)
	}
}

var repackDiffers = regexp.MustCompile(`^differs \(([0-9]+) bytes\)$`)

// TestInvalidAccepted checks the odd inputs libnv accepts: same content as
// their JSON, and the re-pack behaviour the README gives (identical bytes,
// or the canonical packing of the content).
func TestInvalidAccepted(t *testing.T) {
	_, accepted := invalidCases(t)
	for _, c := range accepted {
		t.Run(c.file, func(t *testing.T) {
			path := "testdata/invalid/" + c.file
			data := readFile(t, path)
			want := loadJSON(t, strings.TrimSuffix(path, ".bin")+".json")
			repack := data
			if c.result != "identical" {
				m := repackDiffers.FindStringSubmatch(c.result)
				if m == nil {
					t.Fatalf("unknown re-pack column %q", c.result)
				}
				var err error
				if repack, err = want.Pack(); err != nil {
					t.Fatal(err)
				}
				if n, _ := strconv.Atoi(m[1]); n != len(repack) {
					t.Fatalf("canonical packing has %d bytes, README says %d", len(repack), n)
				}
				if bytes.Equal(repack, data) {
					t.Fatal("README says the re-pack differs, but the input is canonical")
				}
			}
			checkDecode(t, data, want, repack)
		})
	}
}

type differentialCase struct {
	ID     string `json:"id"`
	Hex    string `json:"hex"`
	OK     bool   `json:"ok"`
	Repack string `json:"repack"`
}

// differentialCases reads the corpus of blobs classified by real libnv.
func differentialCases(tb testing.TB) []differentialCase {
	f, err := os.Open("testdata/differential/differential.jsonl.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var cases []differentialCase
	dec := json.NewDecoder(zr)
	for dec.More() {
		var c differentialCase
		if err := dec.Decode(&c); err != nil {
			tb.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

// TestDifferential runs the corpus of blobs classified by real libnv:
// Unpack must accept exactly the ones libnv accepts, and pack each of them
// to libnv's re-pack.
func TestDifferential(t *testing.T) {
	var n, accepted int
	for _, c := range differentialCases(t) {
		n++
		data, err := hex.DecodeString(c.Hex)
		if err != nil {
			t.Fatal(err)
		}
		l, err := Unpack(data)
		if (err == nil) != c.OK {
			t.Errorf("%s: Unpack error %v, libnv accepts: %v", c.ID, err, c.OK)
			continue
		}
		if err != nil {
			continue
		}
		accepted++
		got, err := l.Pack()
		if err != nil {
			t.Errorf("%s: Pack: %v", c.ID, err)
			continue
		}
		if want, _ := hex.DecodeString(c.Repack); !bytes.Equal(got, want) {
			t.Errorf("%s: re-pack\n got %x\nwant %x", c.ID, got, want)
		}
	}
	if n != 4000 {
		t.Errorf("corpus has %d blobs, want 4000", n)
	}
	t.Logf("%d blobs, %d accepted", n, accepted)
}

// TestUnpackOwnedMatchesUnpack decodes every positive vector both ways.
func TestUnpackOwnedMatchesUnpack(t *testing.T) {
	files, _ := filepath.Glob("testdata/vectors/*.bin")
	if len(files) == 0 {
		t.Fatal("no vectors")
	}
	for _, file := range files {
		data := readFile(t, file)
		l, err := Unpack(data)
		if err != nil {
			t.Fatal(err)
		}
		lo, err := UnpackOwned(bytes.Clone(data))
		if err != nil || !Equal(l, lo) {
			t.Errorf("%s: UnpackOwned = %v, differs from Unpack", file, err)
		}
	}
}
