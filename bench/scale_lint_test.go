// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestScaleShellSyntax parses scale.sh, the script of `make bench-scale`,
// with dash, which it must run under, and with /bin/sh when there is one.
func TestScaleShellSyntax(t *testing.T) {
	shells := []string{testenv.RequireTool(t, "", "dash")}
	if sh, err := exec.LookPath("/bin/sh"); err == nil {
		shells = append(shells, sh)
	}
	for _, sh := range shells {
		if out, err := exec.Command(sh, "-n", "scale.sh").CombinedOutput(); err != nil {
			t.Errorf("%s -n scale.sh: %v\n%s", sh, err, out)
		}
	}
}

// TestScaleShellcheck runs shellcheck on scale.sh.
func TestScaleShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	if out, err := exec.Command(shellcheck, "-s", "sh", "scale.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck scale.sh: %v\n%s", err, out)
	}
}
