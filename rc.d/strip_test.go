// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// strip runs the script's own parser on a file, as start and reload use
// it, and returns what it prints and whether it succeeded.
func (h *harness) strip(file string) (string, bool) {
	h.t.Helper()
	cmd := exec.Command("/bin/sh", "-c", `. "$1" && _wg_strip "$2"`, "sh", h.script, file)
	cmd.Env = append(h.env(), "RCD_NORUN=1")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		h.t.Fatal(err)
	}
	return stdout.String(), err == nil
}

// TestStripMatchesWgQuick checks that the script splits every file of
// testdata/strip into wg(8)'s part and its own exactly as wg-quick does:
// its output must equal "wg-quick strip", byte for byte, and a file
// wg-quick rejects must be rejected.
func TestStripMatchesWgQuick(t *testing.T) {
	wgquick := testenv.RequireTool(t, "", "wg-quick")
	// wg-quick re-executes itself through sudo unless it runs as root.
	testenv.RequireRoot(t)
	h := newHarness(t)
	files, err := filepath.Glob(filepath.Join("testdata", "strip", "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configurations in testdata/strip: %v", err)
	}
	dir := t.TempDir()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// A private copy: wg-quick warns about world-readable files.
			p := filepath.Join(dir, filepath.Base(f))
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(wgquick, "strip", p)
			var want, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &want, &stderr
			wantOK := cmd.Run() == nil
			got, ok := h.strip(p)
			switch {
			case ok != wantOK:
				t.Fatalf("script succeeded: %v, wg-quick: %v (%s)", ok, wantOK, stderr.String())
			case got != want.String():
				t.Fatalf("script printed\n%q\nwg-quick\n%q", got, want.String())
			}
		})
	}
}

// TestParse checks what the parser keeps for itself.
func TestParse(t *testing.T) {
	h := newHarness(t)
	cmd := exec.Command("/bin/sh", "-c", `. "$1" && _wg_parse "$2" && printf '%s\n' \
		"addrs=$_wg_addrs" "dns=$_wg_dns" "search=$_wg_search" "mtu=$_wg_mtu" \
		"table=$_wg_table" "save=$_wg_saveconfig" "preup=$_wg_preup" \
		"postup=$_wg_postup" "predown=$_wg_predown" "postdown=$_wg_postdown"`,
		"sh", h.script, filepath.Join("testdata", "strip", "multi.conf"))
	cmd.Env = append(h.env(), "RCD_NORUN=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := `addrs=10.0.0.1/24 10.0.1.1/24 10.0.2.1/24 fd00::1/64 fd01::1/64
dns=10.0.0.53 fd00::53
search=corp.example
mtu=
table=
save=false
preup=
postup=logger one
logger two

predown=logger three

postdown=
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	// Hooks keep their "#" text; wg-quick 1.0.20210914 cut it off.
	cmd = exec.Command("/bin/sh", "-c", `. "$1" && _wg_parse "$2" && printf '%s' "$_wg_postup$_wg_postdown$_wg_preup$_wg_predown"`,
		"sh", h.script, filepath.Join("testdata", "strip", "hash-hook.conf"))
	cmd.Env = append(h.env(), "RCD_NORUN=1")
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want = `printf '%s\n' '#1' > /tmp/%i.marker # a trailing comment
rm -f /tmp/%i.marker#tail
echo a#b
# only a comment
`
	if string(out) != want {
		t.Errorf("hooks: got\n%s\nwant\n%s", out, want)
	}
}
