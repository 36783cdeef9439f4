// SPDX-License-Identifier: BSD-2-Clause

// Package testenv gates tests that need more than the Go toolchain: root,
// network namespaces, tun devices, or external tools such as Debian's wg(8)
// and a pinned wireguard-go.
//
// Outside CI such a test is skipped with the reason. In CI (the CI
// environment variable is "true") a missing prerequisite fails the test
// instead, so an integration test can never pass by being skipped there.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips a test whose prerequisite this machine lacks (a
// kernel feature, an address family), or fails it under CI, where every
// prerequisite is expected.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("prerequisite missing under CI: "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// RequireRoot skips (or, under CI, fails) a test that needs root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root (tun devices, network namespaces)")
	}
}

// RequireTool returns the path of an external program found through the
// environment variable env (when not empty), then PATH under each of the
// given names, then $GOPATH/bin. It skips (or, under CI, fails) the test
// when none is found.
func RequireTool(t testing.TB, env string, names ...string) string {
	t.Helper()
	if p := LookTool(env, names...); p != "" {
		return p
	}
	Unavailable(t, "none of %v found (set %s, or run `make test-deps`)", names, env)
	return ""
}

// LookTool is RequireTool without the test: it returns "" when nothing is
// found.
func LookTool(env string, names ...string) string {
	if env != "" {
		if p := os.Getenv(env); p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	for _, n := range names {
		p := filepath.Join(gopath, "bin", n)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}
