#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# scale.sh: wgd (and the pinned wireguard-go) holding many idle peers, on
# one Linux host (root).
#
# For each variant and each peer count, a daemon is started alone in a
# network namespace made for it, and this tree's wg loads a configuration
# of that many peers with `wg setconf` (each peer a public key, an
# endpoint in 198.18.0.0/15 and one allowed IP in 10.0.0.0/8; the
# interface stays down and has no route, so nothing is ever sent). Then:
#
#   load-s        wall seconds of the setconf
#   load-cpu-s    CPU seconds the daemon spent on it (utime + stime)
#   rss-B/peer    VmRSS after the load minus VmRSS before, per peer
#   dump-ours-ms  median wall ms of `wg show <if> dump` by this tree's wg
#                 (the nvlist protocol to wgd, UAPI to wireguard-go)
#   dump-ours-cpu-ms  mean CPU ms of the daemon and wg together per dump
#   dump-deb-ms, dump-deb-cpu-ms  the same with Debian's wg (UAPI), when
#                 installed
#
# On a shared machine, compare the CPU figures: wall time there measures
# the other jobs as much as the daemon.
#
# Variants: wgd, wggo (the pinned wireguard-go,
# internal/testenv/wireguard-go.pin, built here; it refuses peers beyond
# 65,536, so it is skipped for larger counts).
#
# Usage (from the repository root, as root):
#   sh bench/scale.sh [-n "PEER-COUNTS"] [-v "VARIANTS"] [-r DUMP-RUNS]
# Defaults: -n "10000 100000" -v "wgd wggo" -r 5.
# Environment: GO (go), WIREGUARD_GO (the module@version to build; the
#   pin by default), BUILDDIR (build), STOCK_WG (/usr/bin/wg).
#   Results go to $BUILDDIR/scale/results.txt, one "variant peers metric
#   value" per line, and to standard output.

set -eu

PROG=scale
# shellcheck source=bench/lib.sh
. bench/lib.sh

COUNTS="10000 100000"
VARIANTS="wgd wggo"
RUNS=5
while getopts n:v:r: opt; do
	case $opt in
	n) COUNTS=$OPTARG ;;
	v) VARIANTS=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	*) echo "usage: $0 [-n peer-counts] [-v variants] [-r dump-runs]" >&2; exit 2 ;;
	esac
done

STOCK_WG=${STOCK_WG:-/usr/bin/wg}

check_host
require "Debian: apt-get install iproute2 mawk" ip awk
for n in $COUNTS; do
	case $n in
	'' | *[!0-9]*) die "peer count $n is not a number" ;;
	esac
	if [ "$n" -lt 1 ] || [ "$n" -gt 131072 ]; then
		die "peer count $n out of 1..131072"
	fi
done
check_words variant "$VARIANTS" "wgd wggo"

if has wggo "$VARIANTS"; then
	build scale yes
else
	build scale no
fi
RESULTS=$OUT/results.txt
: >"$RESULTS"
if [ ! -x "$STOCK_WG" ]; then
	say "$STOCK_WG missing, no dump-deb-ms (Debian: apt-get install wireguard-tools)"
	STOCK_WG=
fi

# Names unique to this run; wireguard-go's sockets in /var/run/wireguard
# are shared by every namespace.
ID=$$
NS=wgscale-$ID
IF=wgsc$ID
PID=

stop_daemon() {
	# shellcheck disable=SC2086 # no pid when no daemon runs
	killwait $PID
	PID=
	unsock "$IF"
}

cleanup() {
	stop_daemon
	netns_del "$NS"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# conf N: a configuration of N peers. Peer i's public key is i in its
# first three bytes (the first four base64 characters), zeros, and 7 in
# its last byte; its endpoint and allowed IP are i inside 198.18.0.0/15
# and 10.0.0.0/8.
conf() {
	awk -v n="$1" -v priv="$("$WG" genkey)" 'BEGIN {
		b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		tail = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAc="
		printf "[Interface]\nPrivateKey = %s\n", priv
		for (i = 0; i < n; i++) {
			a = int(i / 65536); m = int(i / 256) % 256; l = i % 256
			printf "\n[Peer]\nPublicKey = %s%s%s%s%s\n", \
				substr(b64, int(i / 262144) % 64 + 1, 1), substr(b64, int(i / 4096) % 64 + 1, 1), \
				substr(b64, int(i / 64) % 64 + 1, 1), substr(b64, i % 64 + 1, 1), tail
			printf "Endpoint = 198.%d.%d.%d:51820\nAllowedIPs = 10.%d.%d.%d/32\n", 18 + a, m, l, a, m, l
		}
	}'
}

# start VARIANT: starts the variant's daemon in NS, its pid PID, and waits
# for its socket.
start() {
	start_daemon "$1" "$NS" "$IF" "$OUT/$1.log"
	PID=$!
	wait_socket "$IF" 200 "(see $OUT/$1.log)"
}

# rss: the daemon's VmRSS in kB.
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }

now() { date +%s.%N; }

# elapsed START END [SCALE]: (END - START) * SCALE.
elapsed() { awk -v a="$1" -v b="$2" -v s="${3:-1}" 'BEGIN { printf "%.3f\n", (b - a) * s }'; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

record() {
	echo "$1 $2 $3 $4" >>"$RESULTS"
	echo "$1 $2 $3 $4"
}

# children FILE: the CPU seconds this shell's finished children had used
# when `times >FILE` ran, in this shell: a subshell starts from zero.
children() { awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.3f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"; }

# dump NAME WG: runs WG show $IF dump $RUNS times, checking that it lists
# every peer, and records the median wall ms and the mean CPU ms of the
# daemon and wg together.
dump() {
	: >"$OUT/dump-ms"
	c0=$(cpu "$PID")
	times >"$OUT/times0"
	r=0
	while [ $r -lt "$RUNS" ]; do
		t0=$(now)
		ip netns exec "$NS" "$2" show "$IF" dump >"$OUT/dump.txt"
		t1=$(now)
		lines=$(wc -l <"$OUT/dump.txt")
		[ "$lines" -eq $((n + 1)) ] || die "$2 show dump: $lines lines for $n peers"
		elapsed "$t0" "$t1" 1000 >>"$OUT/dump-ms"
		r=$((r + 1))
	done
	c1=$(cpu "$PID")
	times >"$OUT/times1"
	k0=$(children "$OUT/times0")
	k1=$(children "$OUT/times1")
	record "$v" "$n" "dump-$1-ms" "$(median <"$OUT/dump-ms")"
	record "$v" "$n" "dump-$1-cpu-ms" "$(awk -v a="$c0" -v b="$c1" -v c="$k0" -v d="$k1" -v r="$RUNS" 'BEGIN { printf "%.1f\n", (b - a + d - c) * 1000 / r }')"
}

netns_add "$NS"
for n in $COUNTS; do
	conf "$n" >"$OUT/peers-$n.conf"
	chmod 600 "$OUT/peers-$n.conf"
	for v in $VARIANTS; do
		if [ "$v" = wggo ] && [ "$n" -gt 65536 ]; then
			say "wggo, $n peers: skipped, wireguard-go holds at most 65,536 (its MaxPeers)"
			continue
		fi
		say "$v, $n peers"
		start "$v"
		sleep 1
		rss0=$(rss)
		cpu0=$(cpu "$PID")
		t0=$(now)
		ip netns exec "$NS" "$WG" setconf "$IF" "$OUT/peers-$n.conf"
		t1=$(now)
		cpu1=$(cpu "$PID")
		# wgd returns a large SET's garbage to the system after its
		# reply (internal/control, largeSet).
		sleep 3
		rss1=$(rss)
		record "$v" "$n" load-s "$(elapsed "$t0" "$t1")"
		record "$v" "$n" load-cpu-s "$(elapsed "$cpu0" "$cpu1")"
		record "$v" "$n" rss-B/peer "$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { printf "%.0f\n", (b - a) * 1024 / n }')"
		dump ours "$WG"
		if [ -n "$STOCK_WG" ]; then
			dump deb "$STOCK_WG"
		fi
		stop_daemon
	done
done
