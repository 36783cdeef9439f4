// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// fakeFileInfo describes a standard output of a given mode.
type fakeFileInfo struct{ mode fs.FileMode }

func (f fakeFileInfo) Name() string       { return "stdout" }
func (f fakeFileInfo) Size() int64        { return 0 }
func (f fakeFileInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeFileInfo) ModTime() time.Time { return time.Time{} }
func (f fakeFileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeFileInfo) Sys() any           { return nil }

// runKeyCmd runs genkey, genpsk or pubkey in process; stat describes
// standard output (nil: unknown).
func runKeyCmd(cmd subcommand, stdin string, stat func() (os.FileInfo, error), args ...string) (stdout, stderr string, code int) {
	e, out, errb := testEnv(nil, 0, nil)
	e.stdin, e.stdoutStat = strings.NewReader(stdin), stat
	return runInEnv(e, out, errb, cmd, args...)
}

// statMode returns a stdoutStat reporting mode.
func statMode(mode fs.FileMode) func() (os.FileInfo, error) {
	return func() (os.FileInfo, error) { return fakeFileInfo{mode}, nil }
}

// TestKeyCommandsUsage checks that genkey, genpsk and pubkey take no
// arguments.
func TestKeyCommandsUsage(t *testing.T) {
	for name, cmd := range map[string]subcommand{"genkey": cmdGenkey, "genpsk": cmdGenpsk, "pubkey": cmdPubkey} {
		for _, extra := range []string{"x", "--help", ""} {
			out, errOut, code := runKeyCmd(cmd, tPriv1, nil, name, extra)
			if out != "" || errOut != "Usage: wg "+name+"\n" || code != 1 {
				t.Errorf("%s %q: %q %q %d", name, extra, out, errOut, code)
			}
		}
	}
}

// TestGenkey checks genkey's output: a canonical base64 key clamped as a
// Curve25519 private key, different every time.
func TestGenkey(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 32; i++ {
		out, errOut, code := runKeyCmd(cmdGenkey, "", nil, "genkey")
		if errOut != "" || code != 0 || len(out) != 45 || out[44] != '\n' {
			t.Fatalf("%q %q %d", out, errOut, code)
		}
		k, err := ifwg.ParseKey(out[:44])
		if err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		if k[0]&7 != 0 || k[31]&0x80 != 0 || k[31]&0x40 == 0 {
			t.Errorf("%q is not clamped", out)
		}
		if seen[out] {
			t.Errorf("%q generated twice", out)
		}
		seen[out] = true
	}
}

// TestGenpsk checks genpsk's output format and that it does not clamp:
// among many keys, some have the bits clamping would clear.
func TestGenpsk(t *testing.T) {
	unclamped := false
	for i := 0; i < 64; i++ {
		out, errOut, code := runKeyCmd(cmdGenpsk, "", nil, "genpsk")
		if errOut != "" || code != 0 || len(out) != 45 {
			t.Fatalf("%q %q %d", out, errOut, code)
		}
		k, err := ifwg.ParseKey(out[:44])
		if err != nil {
			t.Fatal(err)
		}
		unclamped = unclamped || k[0]&7 != 0 || k[31]&0x80 != 0 || k[31]&0x40 == 0
	}
	if !unclamped {
		t.Error("64 preshared keys all look clamped")
	}
}

// TestGenkeyWorldAccessible checks the warning printed when standard
// output is a regular file that others may access.
func TestGenkeyWorldAccessible(t *testing.T) {
	warning := "Warning: writing to world accessible file.\nConsider setting the umask to 077 and trying again.\n"
	cases := []struct {
		stat func() (os.FileInfo, error)
		warn bool
	}{
		{statMode(0o644), true},
		{statMode(0o601), true},
		{statMode(0o604), true},
		{statMode(0o640), false},
		{statMode(0o600), false},
		{statMode(0o777 | fs.ModeCharDevice | fs.ModeDevice), false},
		{statMode(0o777 | fs.ModeNamedPipe), false},
		{statMode(0o777 | fs.ModeDir), false},
		{func() (os.FileInfo, error) { return nil, errors.New("bad file descriptor") }, false},
		{nil, false},
	}
	for i, tc := range cases {
		for name, cmd := range map[string]subcommand{"genkey": cmdGenkey, "genpsk": cmdGenpsk} {
			out, errOut, code := runKeyCmd(cmd, "", tc.stat, name)
			want := ""
			if tc.warn {
				want = warning
			}
			if errOut != want || code != 0 || len(out) != 45 {
				t.Errorf("case %d %s: %q %q %d", i, name, out, errOut, code)
			}
		}
	}
}

// TestPubkey checks pubkey's reading of standard input and its messages.
func TestPubkey(t *testing.T) {
	const bad = "wg: Key is not the correct length or format\n"
	const trailing = "wg: Trailing characters found after key\n"
	cases := []struct {
		name, stdin, out, err string
	}{
		{"plain", tPriv1 + "\n", tPub1 + "\n", ""},
		{"no newline", tPriv1, tPub1 + "\n", ""},
		{"trailing white space and NUL", tPriv1 + "\n\x00 \t\v\f\r\n\x00", tPub1 + "\n", ""},
		{"all zero", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q=\n", ""},
		{"unclamped", "/////////////////////////////////////////w8=\n", "g/wDqOu0E4wSShigeiolxIrFmFY7bs3SsuIm1ORLsV8=\n", ""},
		{"empty", "", "", bad},
		{"short", "abc", "", bad},
		{"43 characters", tPriv1[:43], "", bad},
		{"leading space", " " + tPriv1, "", trailing},
		{"trailing character", tPriv1 + "x", "", trailing},
		{"trailing after space", tPriv1 + "\n \nx", "", trailing},
		{"trailing high byte", tPriv1 + "\xff", "", trailing},
		{"bad character", tPriv1[:43] + "!", "", bad},
		{"noncanonical", "eGxT/yY17fsgBqk1MInZtXdfAugimXv3ySs8yHgESAB=", "", bad},
		{"missing padding with newline", tPriv1[:43] + "\n", "", bad},
		{"urlsafe", "9dzEIWQvCrVPSRLcfcejGY-cehsZwNGR3WKSi0kYdBY=", "", bad},
		{"garbage and bad key", "!!!!" + tPriv1[4:] + "x", "", trailing},
	}
	for _, tc := range cases {
		out, errOut, code := runKeyCmd(cmdPubkey, tc.stdin, nil, "pubkey")
		wantCode := 0
		if tc.err != "" {
			wantCode = 1
		}
		if out != tc.out || errOut != tc.err || code != wantCode {
			t.Errorf("%s: %q %q %d, want %q %q %d", tc.name, out, errOut, code, tc.out, tc.err, wantCode)
		}
	}
	var errb strings.Builder
	e := &env{prog: "/usr/bin/wg", stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &errb}
	if code := cmdPubkey(e, []string{"pubkey"}); code != 1 || errb.String() != "/usr/bin/wg: Key is not the correct length or format\n" {
		t.Errorf("prog prefix: %q %d", errb.String(), code)
	}
}
