// SPDX-License-Identifier: BSD-2-Clause

package bench

import (
	"os"
	"os/exec"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestSummaryGolden runs summary.awk over testdata/summary.in, results of
// two variants over three rounds: medians of odd and even counts, a
// metric at zero (its ratio printed as "-") and the order of first sight.
func TestSummaryGolden(t *testing.T) {
	awk := testenv.RequireTool(t, "", "awk")
	got, err := exec.Command(awk, "-v", "variants=wgd wggo", "-v", "ratios=wgd/wggo",
		"-f", "summary.awk", "testdata/summary.in").Output()
	if err != nil {
		t.Fatalf("awk: %v", err)
	}
	want, err := os.ReadFile("testdata/summary.golden")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
