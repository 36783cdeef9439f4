// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// strip runs "wg-quick strip" on a file and returns what it prints and
// whether it succeeded.
func (h *harness) strip(file string) (string, bool) {
	h.t.Helper()
	r := h.wgQuick("strip", file)
	return r.stdout, r.code == 0
}

// testConfs are the configurations of the Go tests, by name.
var testConfs = map[string]string{
	"basic": basicConf, "full": fullConf, "dns": dnsConf, "hooks": hooksConf,
	"save": saveConf, "saved": savedConf, "showconf": liveShowconf,
}

// TestStripMatchesWgQuick checks that wg-quick splits every configuration
// of the tests, those of testdata/strip and those of the Go tests, into
// wg(8)'s part and its own exactly as wireguard-tools' wg-quick does: its
// output must equal "wg-quick strip" of Debian's wireguard-tools, byte for
// byte, and a file that one rejects must be rejected by the other.
func TestStripMatchesWgQuick(t *testing.T) {
	oracle := testenv.RequireTool(t, "", "wg-quick")
	// Debian's wg-quick re-executes itself through sudo unless it runs
	// as root.
	testenv.RequireRoot(t)
	h := newHarness(t)
	files, err := filepath.Glob(filepath.Join("testdata", "strip", "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configurations in testdata/strip: %v", err)
	}
	confs := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		confs[filepath.Base(f)] = b
	}
	for name, text := range testConfs {
		confs[name+".conf"] = []byte(text)
	}
	dir := t.TempDir()
	for name, b := range confs {
		t.Run(name, func(t *testing.T) {
			// A private copy: wg-quick warns about world-readable files.
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(oracle, "strip", p)
			var want, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &want, &stderr
			wantOK := cmd.Run() == nil
			got, ok := h.strip(p)
			switch {
			case ok != wantOK:
				t.Fatalf("ours succeeded: %v, Debian's: %v (%s)", ok, wantOK, stderr.String())
			case got != want.String():
				t.Fatalf("ours printed\n%q\nDebian's\n%q", got, want.String())
			}
		})
	}
}

// FuzzStrip compares "wg-quick strip" with Debian's on arbitrary files:
// both must accept or reject a file alike, and print the same bytes. The
// seeds are the files of testdata/strip. Files with a NUL byte are left
// out: neither shell's read can hold one.
func FuzzStrip(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "strip", "*.conf"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no configurations in testdata/strip: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, conf []byte) {
		if bytes.IndexByte(conf, 0) >= 0 {
			t.Skip("a NUL byte")
		}
		oracle := testenv.RequireTool(t, "", "wg-quick")
		testenv.RequireRoot(t)
		h := newHarness(t)
		p := filepath.Join(t.TempDir(), "wg0.conf")
		if err := os.WriteFile(p, conf, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(oracle, "strip", p)
		var want bytes.Buffer
		cmd.Stdout = &want
		wantOK := cmd.Run() == nil
		got, ok := h.strip(p)
		if ok != wantOK || (ok && got != want.String()) {
			t.Fatalf("file %q: ours %v %q, Debian's %v %q", conf, ok, got, wantOK, want.String())
		}
	})
}
