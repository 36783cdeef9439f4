// SPDX-License-Identifier: BSD-2-Clause

package man

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// pages returns the manual pages of this directory.
func pages(t *testing.T) []string {
	t.Helper()
	out, err := filepath.Glob("*.[1-9]")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no manual pages")
	}
	return out
}

// TestMandocLint fails on every warning and error of mandoc's checks. Style
// messages, such as references to pages that the build host lacks, pass.
func TestMandocLint(t *testing.T) {
	mandoc := testenv.RequireTool(t, "", "mandoc")
	for _, p := range pages(t) {
		out, err := exec.Command(mandoc, "-Tlint", "-Wwarning", p).CombinedOutput()
		if err != nil {
			t.Errorf("mandoc -Tlint -Wwarning %s: %v\n%s", p, err, out)
		}
	}
}

var (
	dd      = regexp.MustCompile(`(?m)^\.Dd November 25, 2026$`)
	dt      = regexp.MustCompile(`(?m)^\.Dt ([A-Z.-]+) ([1-9])$`)
	section = regexp.MustCompile(`(?m)^\.Sh (.+)$`)
)

// TestConventions checks what lint does not: the date, that .Dt matches
// the file name, the sections every page has, and the SPDX line.
func TestConventions(t *testing.T) {
	for _, p := range pages(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !strings.HasPrefix(text, ".\\\" SPDX-License-Identifier: BSD-2-Clause\n") {
			t.Errorf("%s: no SPDX line first", p)
		}
		if !dd.MatchString(text) {
			t.Errorf("%s: .Dd is not November 25, 2026", p)
		}
		m := dt.FindStringSubmatch(text)
		if m == nil || strings.ToLower(m[1])+"."+m[2] != p {
			t.Errorf("%s: .Dt %v does not match the file name", p, m)
		}
		var have []string
		for _, s := range section.FindAllStringSubmatch(text, -1) {
			have = append(have, s[1])
		}
		for _, want := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "SEE ALSO", "HISTORY", "AUTHORS"} {
			if !strings.Contains("\n"+strings.Join(have, "\n")+"\n", "\n"+want+"\n") {
				t.Errorf("%s: no %s section", p, want)
			}
		}
		if strings.HasSuffix(p, ".8") && !strings.Contains(text, "\n.Ex -std\n") {
			t.Errorf("%s: no .Ex -std", p)
		}
		if !strings.Contains(text, "\n.An The wgbsd developers\n") {
			t.Errorf("%s: AUTHORS does not name the wgbsd developers", p)
		}
	}
}
