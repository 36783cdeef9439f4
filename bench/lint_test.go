// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

func TestShellSyntax(t *testing.T) {
	for _, sh := range []string{"/bin/sh", "dash"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		if out, err := exec.Command(path, "-n", "bench.sh").CombinedOutput(); err != nil {
			t.Errorf("%s -n bench.sh: %v\n%s", sh, err, out)
		}
	}
}

func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	if out, err := exec.Command(shellcheck, "-s", "sh", "bench.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck bench.sh: %v\n%s", err, out)
	}
}
