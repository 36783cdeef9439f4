// SPDX-License-Identifier: BSD-2-Clause

package main

// The usage texts of the top level and of show, and the version line.

import (
	"fmt"
	"io"
	"strings"

	"github.com/wgbsd/wgbsd/internal/version"
)

// wgToolsVersion is the wireguard-tools release whose wg(8) this one
// reproduces.
const wgToolsVersion = "v1.0.20210914"

// versionLine is what wg --version prints. It names wgbsd and the wg(8) it
// follows rather than claiming to be wireguard-tools.
func versionLine() string {
	return "wgbsd v" + version.Version + " (wg(8) of wireguard-tools " + wgToolsVersion +
		") - https://github.com/wgbsd/wgbsd\n"
}

// writeUsage writes the top-level usage: the synopsis, one line per
// subcommand, and the hint about --help.
func writeUsage(w io.Writer, prog string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s <cmd> [<args>]\n\nAvailable subcommands:\n", prog)
	for _, sc := range subcommands {
		fmt.Fprintf(&b, "  %s: %s\n", sc.name, sc.desc)
	}
	b.WriteString("You may pass `--help' to any of these subcommands to view usage.\n")
	io.WriteString(w, b.String())
}

// showUsage writes show's usage line to stderr; cmdName is the name show
// was called by.
func showUsage(e *env, cmdName string) {
	fmt.Fprintf(e.stderr, "Usage: %s %s { <interface> | all | interfaces } [%s]\n",
		e.prog, cmdName, strings.Join(showFieldNames, " | "))
}
