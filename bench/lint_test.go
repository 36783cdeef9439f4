// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// scripts are the benchmarks: bench.sh (`make bench`), handshakes.sh
// (`make bench-handshakes`), peers.sh (`make bench-peers`) and scale.sh
// (`make bench-scale`), and lib.sh, which they source.
var scripts = []string{"bench.sh", "handshakes.sh", "peers.sh", "scale.sh", "lib.sh"}

// TestShellSyntax parses the scripts with /bin/sh, when there is one, and
// with dash, which they must run under: without dash the test is skipped,
// or fails under CI, instead of passing having checked nothing.
func TestShellSyntax(t *testing.T) {
	check := func(sh, f string) {
		t.Helper()
		if out, err := exec.Command(sh, "-n", f).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", sh, f, err, out)
		}
	}
	binsh, err := exec.LookPath("/bin/sh")
	dash := testenv.RequireTool(t, "", "dash")
	for _, f := range scripts {
		if err == nil {
			check(binsh, f)
		}
		check(dash, f)
	}
}

// TestShellcheck checks each script from the repository root, where they
// run and source bench/lib.sh: with -x, shellcheck follows the source and
// checks each script together with the library.
func TestShellcheck(t *testing.T) {
	shellcheck := testenv.RequireTool(t, "", "shellcheck")
	for _, f := range scripts {
		cmd := exec.Command(shellcheck, "-s", "sh", "-x", "bench/"+f)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", f, err, out)
		}
	}
}
