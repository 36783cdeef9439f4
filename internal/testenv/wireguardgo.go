// SPDX-License-Identifier: BSD-2-Clause

package testenv

import (
	"debug/buildinfo"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wireguardGoPin is the module path and version of the wireguard-go the
// integration tests run against, "path@version". The Makefile's test-deps
// target builds the same pin from this file.
//
//go:embed wireguard-go.pin
var wireguardGoPin string

// WireguardGoEnv names the environment variable that points the tests at
// a build of the pinned wireguard-go.
const WireguardGoEnv = "WGBSD_WIREGUARD_GO"

// WireguardGoPin returns the pinned wireguard-go's module path and
// version.
func WireguardGoPin() (path, version string) {
	path, version, _ = strings.Cut(strings.TrimSpace(wireguardGoPin), "@")
	return path, version
}

// RequireWireguardGo returns the path of a wireguard-go binary built from
// the pinned module version: the one named by WGBSD_WIREGUARD_GO, or else
// build/tools/wireguard at the top of this module, where `make test-deps`
// builds it. Nothing is taken from PATH: Debian's wireguard-go (an older
// release with other errno and scope-id behaviour) is never picked up.
//
// A binary that is found but is not the pinned version fails the test
// even outside CI, so a wrong oracle is never used silently. When none is
// found the test is skipped (or, under CI, fails).
func RequireWireguardGo(t testing.TB) string {
	t.Helper()
	p, err := findWireguardGo()
	if err != nil {
		t.Fatal(err)
	}
	if p == "" {
		Unavailable(t, "the pinned wireguard-go (%s) is not built (run `make test-deps`, or set %s)",
			strings.TrimSpace(wireguardGoPin), WireguardGoEnv)
	}
	return p
}

// findWireguardGo returns the pinned build's path, "" when there is none,
// or an error when the candidate it looked at is the wrong program or
// version.
func findWireguardGo() (string, error) {
	if p := os.Getenv(WireguardGoEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", WireguardGoEnv, p, err)
		}
		return p, checkPinned(p)
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "build", "tools", "wireguard")
	if _, err := os.Stat(p); err != nil {
		return "", nil
	}
	return p, checkPinned(p)
}

// checkPinned reports whether the Go binary at p was built from the pinned
// wireguard-go module version, reading the build information the Go
// linker records in every binary.
func checkPinned(p string) error {
	path, version := WireguardGoPin()
	bi, err := buildinfo.ReadFile(p)
	if err != nil {
		return fmt.Errorf("%s is not the pinned wireguard-go %s@%s: %w", p, path, version, err)
	}
	if bi.Main.Path != path || bi.Main.Version != version {
		return fmt.Errorf("%s is %s@%s, not the pinned wireguard-go %s@%s (run `make test-deps`)",
			p, bi.Main.Path, bi.Main.Version, path, version)
	}
	return nil
}

// moduleRoot returns the directory holding this module's go.mod, searched
// upwards from the working directory (a test's package directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}
