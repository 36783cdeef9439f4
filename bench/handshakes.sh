#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# handshakes.sh: handshakes per CPU second of wgd and of the pinned
# wireguard-go, side by side, on one Linux host (root).
#
# Two network namespaces joined by a veth pair. In the first, the daemon
# under test, configured with this tree's wg from a generated file with
# PEERS peers; in the second, bench/hsflood, which sends COUNT valid
# handshake initiations from those peers, in turn, over UDP, keeps at most
# WINDOW of them unanswered, checks every response as an initiator would,
# and reads the daemon's CPU seconds (utime + stime in /proc/PID/stat)
# before and after. WINDOW stays below the under-load mark of both daemons
# (wireguard-go: QueueHandshakeSize / 8 = 128 queued handshake messages;
# wgd: MaxQueuedHandshakes / 8 = 512), so that they answer with responses;
# cookie replies are counted apart. The initiations are made before the
# flood, the responses checked after it: the generator's cryptography does
# not compete with the daemon while it is measured.
#
# Variants: wgd (with its Linux offloads, the default) and wggo (the pinned
# wireguard-go, internal/testenv/wireguard-go.pin, built here). Every
# round runs every variant once, in turn, each with a fresh daemon; the
# summary gives the medians over the rounds and the ratio wgd/wggo. A
# third variant, base, runs the wgd binary named by WGD_BASE (say, one
# built before a change), to compare a change before and after in the
# same run.
#
# Usage (from the repository root, as root):
#   sh bench/handshakes.sh [-r ROUNDS] [-n PEERS] [-c COUNT] [-w WINDOW] [-v "VARIANTS"]
# Environment: GO (go), WIREGUARD_GO (the module@version to build; the pin
#   by default), BUILDDIR (build), WGD_BASE (the binary of variant base). Results go to
#   $BUILDDIR/bench/handshakes.txt, one "variant round metric value" per
#   line, and the summary to standard output.

set -eu

PROG=handshakes
# shellcheck source=bench/lib.sh
. bench/lib.sh

ROUNDS=5
PEERS=1024
COUNT=10000
WINDOW=64
VARIANTS="wgd wggo"
while getopts r:n:c:w:v: opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	n) PEERS=$OPTARG ;;
	c) COUNT=$OPTARG ;;
	w) WINDOW=$OPTARG ;;
	v) VARIANTS=$OPTARG ;;
	*) echo "usage: $0 [-r rounds] [-n peers] [-c count] [-w window] [-v variants]" >&2; exit 2 ;;
	esac
done
check_words variant "$VARIANTS" "wgd wggo base" 2
if has base "$VARIANTS" && [ ! -x "${WGD_BASE:-}" ]; then
	echo "handshakes: variant base needs WGD_BASE, a wgd binary" >&2
	exit 2
fi

BASE=${WGD_BASE:-}
# The flood takes at most this long (seconds); an initiation unanswered
# after a second counts as lost.
FLOOD_TIME=120

check_host
require "Debian: apt-get install iproute2" ip
require "" awk

build bench yes ./bench/hsflood
RESULTS=$OUT/handshakes.txt
: >"$RESULTS"
LOAD0=$(loadavg)

# Names unique to this run; wireguard-go's sockets in /var/run/wireguard
# are shared by every namespace.
ID=$$
NSD=wghs-$ID-d
NSF=wghs-$ID-f
IFD=wghs$ID
VD=vhd$ID
VF=vhf$ID
ADDR_D=10.233.0.1
ADDR_F=10.233.0.2
PORT=51820
SEED=handshakes-$ID-$(date +%s)
PID=

stop_daemon() {
	# shellcheck disable=SC2086 # no pid when no daemon runs
	killwait $PID
	PID=
	unsock "$IFD"
}

cleanup() {
	stop_daemon
	netns_del "$NSD" "$NSF"
	rm -f "$OUT/handshakes.conf"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_pair "$NSD" "$NSF" "$VD" "$VF" "$ADDR_D" "$ADDR_F"

(umask 077 && "$OUT/hsflood" conf -seed "$SEED" -peers "$PEERS" -port "$PORT" >"$OUT/handshakes.conf")

run_variant() {
	v=$1
	r=$2
	start_daemon "$v" "$NSD" "$IFD" "$OUT/handshakes-$v.log"
	PID=$!
	wait_socket "$IFD"
	"$WG" setconf "$IFD" "$OUT/handshakes.conf"
	ip -n "$NSD" link set "$IFD" up
	line=$(ip netns exec "$NSF" "$OUT/hsflood" flood -seed "$SEED" -peers "$PEERS" \
		-target "$ADDR_D:$PORT" -count "$COUNT" -window "$WINDOW" -time "${FLOOD_TIME}s" -pid "$PID") ||
		die "$v round $r: flood failed"
	stop_daemon
	echo "$line" | awk -v v="$v" -v r="$r" '{ for (i = 1; i < NF; i += 2) print v, r, $i, $(i + 1) }' >>"$RESULTS"
	say "$v round $r: $line"
}

rounds "$ROUNDS" "$VARIANTS"

# Summary: medians over the rounds, and the ratio of the medians.
machine "$LOAD0 at the start, $(loadavg) at the end"
echo "$ROUNDS rounds, $PEERS peers, $COUNT initiations per flood, window $WINDOW"
ratios=
if has wgd "$VARIANTS"; then
	for v in wggo base; do
		if has "$v" "$VARIANTS"; then ratios="$ratios wgd/$v"; fi
	done
fi
summary "$RESULTS" "$VARIANTS" "$ratios"
