// SPDX-License-Identifier: BSD-2-Clause

// Package version holds the wgbsd release version, set at build time with
// -ldflags "-X github.com/wgbsd/wgbsd/internal/version.Version=...".
package version

// Version is the wgbsd release version. Builds that do not set it report
// the development version below.
var Version = "0.1.0-dev"
