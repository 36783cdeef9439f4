// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// shellFiles are the shell scripts of this directory: the rc.d script and
// the test stand-ins.
func shellFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"wireguard.in", filepath.Join("testdata", "rc.subr")}
	stubs, err := filepath.Glob(filepath.Join("testdata", "bin", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return append(files, stubs...)
}

func TestShellSyntax(t *testing.T) {
	for _, f := range shellFiles(t) {
		if out, err := exec.Command("/bin/sh", "-n", f).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", f, err, out)
		}
	}
}

// TestShellcheck runs the gate of the Makefile's lint target, and
// shellcheck at its default severity, which must find nothing either.
func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	for _, args := range [][]string{
		{"-s", "sh", "-S", "warning", "-e", "SC2034,SC3043"},
		{"-s", "sh"},
	} {
		for _, f := range shellFiles(t) {
			// -x follows the stand-ins' ". stublib.sh", from their
			// directory.
			cmd := exec.Command(shellcheck, append(args, "-x", filepath.Base(f))...)
			cmd.Dir = filepath.Dir(f)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("shellcheck %v %s: %v\n%s", args, f, err, out)
			}
		}
	}
}
