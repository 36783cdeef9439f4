// SPDX-License-Identifier: BSD-2-Clause

// Package bench holds the checks of the benchmarks (Linux, root) that
// `make bench`, `make bench-handshakes`, `make bench-peers` and
// `make bench-scale` run: bench.sh, wgd against the pinned wireguard-go,
// and wgd with its offloads off against Debian's wireguard-go, in two
// network namespaces; handshakes.sh, the handshakes per CPU second of wgd
// and wireguard-go under a flood of valid initiations from hsflood;
// peers.sh, throughput with many peers each carrying its own TCP stream;
// scale.sh, the memory of idle peers and `wg show dump` at 10,000 and
// 100,000 peers. All four source lib.sh, the shell code they share;
// bench.sh and handshakes.sh print their summary through summary.awk. The
// tests check that the scripts are valid POSIX sh and shellcheck-clean
// and that summary.awk prints its golden table; the
// benchmarks themselves are never run by `make test`, and nothing here
// asserts a speed.
package bench
