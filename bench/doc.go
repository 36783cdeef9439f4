// SPDX-License-Identifier: BSD-2-Clause

// Package bench holds the checks of bench.sh, the benchmark that `make
// bench` runs (Linux, root): wgd against the pinned wireguard-go, and wgd
// with its offloads off against Debian's wireguard-go, in two network
// namespaces. The tests only check that the script is valid POSIX sh and
// shellcheck-clean; the benchmark itself is never run by `make test`, and
// nothing here asserts a speed.
package bench
