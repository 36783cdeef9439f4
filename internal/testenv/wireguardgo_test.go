// SPDX-License-Identifier: BSD-2-Clause

package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeModule makes an empty module directory, optionally with a program
// at build/tools/wireguard, and makes it the working directory.
func fakeModule(t *testing.T, tool string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if tool != "" {
		tools := filepath.Join(dir, "build", "tools")
		if err := os.MkdirAll(tools, 0o755); err != nil {
			t.Fatal(err)
		}
		copyFile(t, tool, filepath.Join(tools, "wireguard"))
	}
	t.Chdir(filepath.Join(dir))
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// A wireguard-go on PATH (Debian's package installs /usr/bin/wireguard-go)
// is never taken: without the variable and without a build under
// build/tools there is nothing to use.
func TestWireguardGoIgnoresPath(t *testing.T) {
	bin := t.TempDir()
	for _, n := range []string{"wireguard-go", "wireguard"} {
		if err := os.WriteFile(filepath.Join(bin, n), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	t.Setenv(WireguardGoEnv, "")
	fakeModule(t, "")
	p, err := findWireguardGo()
	if p != "" || err != nil {
		t.Fatalf("findWireguardGo() = %q, %v; want nothing found", p, err)
	}
}

// A binary that is not the pinned build is refused with an error, whether
// the variable names it or it sits where `make test-deps` builds.
func TestWireguardGoWrongBuildRefused(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "wireguard-go")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, env, tool string }{
		{"variable names a go binary of another module", self, ""},
		{"variable names a script", script, ""},
		{"build/tools holds another go binary", "", self},
		{"build/tools holds a script", "", script},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(WireguardGoEnv, tc.env)
			fakeModule(t, tc.tool)
			p, err := findWireguardGo()
			if err == nil {
				t.Fatalf("findWireguardGo() = %q, nil; want an error", p)
			}
			if !strings.Contains(err.Error(), "not the pinned wireguard-go") {
				t.Errorf("error %q does not say the build is not the pinned one", err)
			}
		})
	}
}

func TestWireguardGoPinParsed(t *testing.T) {
	path, version := WireguardGoPin()
	if path != "golang.zx2c4.com/wireguard" || !strings.HasPrefix(version, "v0.0.0-") {
		t.Fatalf("WireguardGoPin() = %q, %q", path, version)
	}
}

// The build the integration tests use is the pinned one (under CI it must
// be there: `make test` builds it).
func TestWireguardGoPinnedBuild(t *testing.T) {
	p := RequireWireguardGo(t)
	if err := checkPinned(p); err != nil {
		t.Fatal(err)
	}
}
