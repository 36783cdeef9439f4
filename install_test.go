// SPDX-License-Identifier: BSD-2-Clause

package wgbsd_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// installTree is what `make install` lays out below PREFIX, with modes.
var installTree = map[string]fs.FileMode{
	"bin/wg":                               0o555,
	"bin/wg-quick":                         0o555,
	"sbin/wgd":                             0o555,
	"etc/rc.d/wireguard":                   0o555,
	"etc/wireguard":                        fs.ModeDir | 0o700,
	"share/man/man5/wg.conf.5":             0o444,
	"share/man/man8/wg.8":                  0o444,
	"share/man/man8/wg-quick.8":            0o444,
	"share/man/man8/wgd.8":                 0o444,
	"share/man/man8/wireguard.8":           0o444,
	"share/bash-completion/completions/wg": 0o444,
	"share/zsh/site-functions/_wg":         0o444,
}

func runMake(t *testing.T, mk string, args ...string) {
	t.Helper()
	cmd := exec.Command(mk, args...)
	cmd.Env = append(os.Environ(), "MAKEFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", mk, strings.Join(args, " "), err, out)
	}
}

// TestMakeInstall runs the real `make install` and `make uninstall` into a
// temporary DESTDIR, with the default PREFIX and another one, under GNU
// make and FreeBSD's make (bmake), and checks the tree, the modes and the
// PREFIX substituted into the rc.d script and the pages.
func TestMakeInstall(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("skipping in short mode: builds the binaries")
	}
	builds := t.TempDir()
	for _, tc := range []struct{ make, prefix string }{
		{"make", "/usr/local"},
		{"bmake", "/opt/wgbsd"},
	} {
		t.Run(tc.make+tc.prefix, func(t *testing.T) {
			mk := testenv.RequireTool(t, "", tc.make)
			dest := t.TempDir()
			build := filepath.Join(builds, tc.make)
			runMake(t, mk, "install", "DESTDIR="+dest, "PREFIX="+tc.prefix, "BUILDDIR="+build)
			root := filepath.Join(dest, tc.prefix)
			var got []string
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && (!d.IsDir() || d.Name() == "wireguard") {
					rel, _ := filepath.Rel(root, p)
					got = append(got, rel)
				}
				return nil
			})
			var want []string
			for p := range installTree {
				want = append(want, p)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("installed %q\nwant %q", got, want)
			}
			for p, mode := range installTree {
				fi, err := os.Stat(filepath.Join(root, p))
				if err != nil {
					t.Errorf("%s: %v", p, err)
				} else if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != mode {
					t.Errorf("%s: mode %v, want %v", p, got, mode)
				}
			}
			rc, _ := os.ReadFile(filepath.Join(root, "etc/rc.d/wireguard"))
			if strings.Contains(string(rc), "%%PREFIX%%") || !strings.Contains(string(rc), tc.prefix+"/bin/wg-quick") {
				t.Errorf("rc.d script: PREFIX not substituted to %s", tc.prefix)
			}
			quick, _ := os.ReadFile(filepath.Join(root, "bin/wg-quick"))
			if strings.Contains(string(quick), "%%PREFIX%%") || !strings.Contains(string(quick), tc.prefix+"/bin:"+tc.prefix+"/sbin:") {
				t.Errorf("wg-quick: PREFIX not substituted to %s", tc.prefix)
			}
			page, _ := os.ReadFile(filepath.Join(root, "share/man/man8/wireguard.8"))
			if tc.prefix != "/usr/local" && strings.Contains(string(page), "/usr/local/") {
				t.Errorf("wireguard.8 still names /usr/local/")
			}
			out, err := exec.Command(filepath.Join(root, "bin/wg"), "genkey").Output()
			if err != nil || len(out) != 45 {
				t.Errorf("installed wg genkey: %q, %v", out, err)
			}

			runMake(t, mk, "uninstall", "DESTDIR="+dest, "PREFIX="+tc.prefix)
			for p, mode := range installTree {
				if mode.IsDir() {
					continue
				}
				if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
					t.Errorf("%s still there after uninstall", p)
				}
			}
		})
	}
}
