// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// scripts are the shell scripts of this directory.
var scripts = []string{"bench.sh", "handshakes.sh"}

// TestShellSyntax parses the scripts with /bin/sh, when there is one, and
// with dash, which they must run under: without dash the test is skipped,
// or fails under CI, instead of passing having checked nothing.
func TestShellSyntax(t *testing.T) {
	check := func(sh string) {
		t.Helper()
		for _, s := range scripts {
			if out, err := exec.Command(sh, "-n", s).CombinedOutput(); err != nil {
				t.Errorf("%s -n %s: %v\n%s", sh, s, err, out)
			}
		}
	}
	if sh, err := exec.LookPath("/bin/sh"); err == nil {
		check(sh)
	}
	check(testenv.RequireTool(t, "", "dash"))
}

func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	for _, s := range scripts {
		if out, err := exec.Command(shellcheck, "-s", "sh", s).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", s, err, out)
		}
	}
}
