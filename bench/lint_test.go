// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestShellSyntax parses bench.sh with /bin/sh, when there is one, and
// with dash, which the script must run under: without dash the test is
// skipped, or fails under CI, instead of passing having checked nothing.
func TestShellSyntax(t *testing.T) {
	check := func(sh string) {
		t.Helper()
		if out, err := exec.Command(sh, "-n", "bench.sh").CombinedOutput(); err != nil {
			t.Errorf("%s -n bench.sh: %v\n%s", sh, err, out)
		}
	}
	if sh, err := exec.LookPath("/bin/sh"); err == nil {
		check(sh)
	}
	check(testenv.RequireTool(t, "", "dash"))
}

func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	if out, err := exec.Command(shellcheck, "-s", "sh", "bench.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck bench.sh: %v\n%s", err, out)
	}
}
