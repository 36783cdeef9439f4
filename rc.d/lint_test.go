// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// shellFiles are the shell scripts: wg-quick, the rc.d script, the
// test set-up script and the test stand-ins.
func shellFiles(t *testing.T) []string {
	t.Helper()
	files := []string{
		filepath.Join("..", "wg-quick", "wg-quick.in"), "wireguard.in",
		filepath.Join("testdata", "rc.subr"), filepath.Join("testdata", "wg"),
		filepath.Join("testdata", "wgd"),
		filepath.Join("..", "scripts", "test-deps.sh"),
	}
	stubs, err := filepath.Glob(filepath.Join("testdata", "bin", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return append(files, stubs...)
}

// TestShellSyntax parses every script with the shell of the tests (dash)
// without running it.
func TestShellSyntax(t *testing.T) {
	sh := shell()
	for _, f := range shellFiles(t) {
		args := append(append(sh[1:], "-n"), f)
		if out, err := exec.Command(sh[0], args...).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", sh[0], f, err, out)
		}
	}
}

// TestShellcheck runs shellcheck for POSIX sh at its default severity,
// the strictest, on every script. It is the one home of the check: the
// Makefile's lint-sh target runs this test.
func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	for _, f := range shellFiles(t) {
		// -x follows the stand-ins' ". stublib.sh", from their
		// directory.
		cmd := exec.Command(shellcheck, "-s", "sh", "-x", filepath.Base(f))
		cmd.Dir = filepath.Dir(f)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck -s sh %s: %v\n%s", f, err, out)
		}
	}
}
