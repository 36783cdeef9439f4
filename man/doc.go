// SPDX-License-Identifier: BSD-2-Clause

// Package man holds the manual pages, in mdoc(7): wg.8, wg-quick.8, wgd.8,
// wireguard.8 (the rc.d script) and wg.conf.5. Its test runs "mandoc -Tlint
// -Wwarning" on every page (the Makefile's lint-man runs it); the package
// has no code.
package man
