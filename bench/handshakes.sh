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
for v in $VARIANTS; do
	case $v in
	wgd | wggo) ;;
	base) [ -x "${WGD_BASE:-}" ] || { echo "handshakes: variant base needs WGD_BASE, a wgd binary" >&2; exit 2; } ;;
	*) echo "handshakes: unknown variant $v" >&2; exit 2 ;;
	esac
done

GO=${GO:-go}
BUILDDIR=${BUILDDIR:-build}
WIREGUARD_GO=${WIREGUARD_GO:-$(cat internal/testenv/wireguard-go.pin)}
# The flood takes at most this long (seconds); an initiation unanswered
# after a second counts as lost.
FLOOD_TIME=120

die() { echo "handshakes: $*" >&2; exit 1; }

[ "$(uname -s)" = Linux ] || die "Linux only (network namespaces)"
[ "$(id -u)" = 0 ] || die "run as root"
command -v ip >/dev/null 2>&1 || die "ip not found (Debian: apt-get install iproute2)"
command -v awk >/dev/null 2>&1 || die "awk not found"

mkdir -p "$BUILDDIR/bench"
OUT=$(cd "$BUILDDIR/bench" && pwd)
echo "handshakes: building wgd, wg, hsflood and $WIREGUARD_GO" >&2
"$GO" build -trimpath -o "$OUT/wgd" ./cmd/wgd
"$GO" build -trimpath -o "$OUT/wg" ./cmd/wg
"$GO" build -trimpath -o "$OUT/hsflood" ./bench/hsflood
GOFLAGS='' GOBIN="$OUT" "$GO" install "$WIREGUARD_GO"
WG=$OUT/wg
RESULTS=$OUT/handshakes.txt
: >"$RESULTS"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

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
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	PID=
	# wgd leaves its lock file behind.
	rm -f "/var/run/wireguard/$IFD.sock" "/var/run/wireguard/$IFD.lock"
}

cleanup() {
	stop_daemon
	ip netns del "$NSD" 2>/dev/null || true
	ip netns del "$NSF" 2>/dev/null || true
	rm -f "$OUT/handshakes.conf"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NSD"
ip netns add "$NSF"
ip -n "$NSD" link set lo up
ip -n "$NSF" link set lo up
ip link add "$VD" netns "$NSD" type veth peer name "$VF" netns "$NSF"
ip -n "$NSD" addr add "$ADDR_D/24" dev "$VD"
ip -n "$NSF" addr add "$ADDR_F/24" dev "$VF"
ip -n "$NSD" link set "$VD" up
ip -n "$NSF" link set "$VF" up

(umask 077 && "$OUT/hsflood" conf -seed "$SEED" -peers "$PEERS" -port "$PORT" >"$OUT/handshakes.conf")

# start_daemon VARIANT: starts the variant's daemon in the foreground in
# NSD; $! is its pid (ip netns exec and env exec it).
start_daemon() {
	log=$OUT/handshakes-$1.log
	case $1 in
	wgd) ip netns exec "$NSD" "$OUT/wgd" -f "$IFD" >"$log" 2>&1 & ;;
	wggo) ip netns exec "$NSD" env WG_PROCESS_FOREGROUND=1 "$OUT/wireguard" -f "$IFD" >"$log" 2>&1 & ;;
	base) ip netns exec "$NSD" "$WGD_BASE" -f "$IFD" >"$log" 2>&1 & ;;
	esac
}

wait_socket() {
	i=0
	while ! "$WG" show "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 200 ] || die "$1 never answered"
		sleep 0.05
	done
}

run_variant() {
	v=$1
	r=$2
	start_daemon "$v"
	PID=$!
	wait_socket "$IFD"
	"$WG" setconf "$IFD" "$OUT/handshakes.conf"
	ip -n "$NSD" link set "$IFD" up
	line=$(ip netns exec "$NSF" "$OUT/hsflood" flood -seed "$SEED" -peers "$PEERS" \
		-target "$ADDR_D:$PORT" -count "$COUNT" -window "$WINDOW" -time "${FLOOD_TIME}s" -pid "$PID") ||
		die "$v round $r: flood failed"
	stop_daemon
	echo "$line" | awk -v v="$v" -v r="$r" '{ for (i = 1; i < NF; i += 2) print v, r, $i, $(i + 1) }' >>"$RESULTS"
	echo "handshakes: $v round $r: $line" >&2
}

r=1
while [ $r -le "$ROUNDS" ]; do
	for v in $VARIANTS; do
		run_variant "$v" "$r"
	done
	r=$((r + 1))
done

# Summary: medians over the rounds, and the ratio of the medians.
echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r), $("$GO" env GOVERSION); load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "$ROUNDS rounds, $PEERS peers, $COUNT initiations per flood, window $WINDOW"
ratios=
case " $VARIANTS " in
*" wgd "*)
	for v in wggo base; do
		case " $VARIANTS " in *" $v "*) ratios="$ratios wgd/$v" ;; esac
	done
	;;
esac
awk -v variants="$VARIANTS" -v ratios="$ratios" -f bench/summary.awk "$RESULTS"
