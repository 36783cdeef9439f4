#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# bench.sh: wgd against wireguard-go, side by side, on one Linux host (root).
#
# Two network namespaces joined by a veth pair; in each a daemon of the
# variant under test, configured with this tree's wg. Variants, each with
# the same implementation at both ends:
#
#   wgd      wgd with the Linux tun and UDP offloads (the default)
#   wggo     the pinned wireguard-go (internal/testenv/wireguard-go.pin),
#            built here
#   wgd-off  wgd with WGD_OFFLOADS=off: one packet per tun read and write,
#            one datagram per system call, FreeBSD's code
#   deb      Debian's wireguard-go 0.0.20220316 (/usr/bin/wireguard-go,
#            package wireguard-go), also one packet per system call;
#            skipped when it is not installed
#   base, base-off
#            wgd and wgd-off from another build ($BASE_WGD), to compare
#            a change with what came before it in one interleaved run
#
# Every round runs every variant once, in turn, so that load from others on
# a shared machine spreads over all of them; the summary gives the median
# over the rounds and the ratios wgd/wggo and wgd-off/deb (and wgd/base,
# wgd-off/base-off).
#
# Per variant and round: the first ping after both daemons are configured
# (its RTT includes the first handshake), ping latency, TCP with 1 and 4
# streams and UDP at a fixed rate (iperf3), the CPU seconds both daemons
# spent per Gbit carried by the TCP tests, the context switches of both
# daemons per Gbit (voluntary and not, summed over their threads: how
# often they slept and were woken), and the peak RSS of the receiving
# daemon (VmHWM) after them.
#
# Usage (from the repository root, as root):
#   sh bench/bench.sh [-r ROUNDS] [-d SECONDS] [-u UDP_RATE] [-v "VARIANTS"]
# Environment: GO (go), WIREGUARD_GO (the module@version to build; the
#   pin by default),
#   BUILDDIR (build), DEB_WIREGUARD_GO (/usr/bin/wireguard-go),
#   BASE_WGD (a wgd binary, for the variants base and base-off).
#   Results go to $BUILDDIR/bench/results.txt, one "variant round metric
#   value" per line, and the summary to standard output.

set -eu

PROG=bench
# shellcheck source=bench/lib.sh
. bench/lib.sh

ROUNDS=3
DURATION=10
UDP_RATE=500M
VARIANTS="wgd wggo wgd-off deb"
while getopts r:d:u:v: opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	u) UDP_RATE=$OPTARG ;;
	v) VARIANTS=$OPTARG ;;
	*) echo "usage: $0 [-r rounds] [-d seconds] [-u udp-rate] [-v variants]" >&2; exit 2 ;;
	esac
done

DEB_WIREGUARD_GO=${DEB_WIREGUARD_GO:-/usr/bin/wireguard-go}
BASE_WGD=${BASE_WGD:-}
BASE=$BASE_WGD
MTU=1420
PINGS=200

check_host
require "Debian: apt-get install iproute2 iputils-ping iperf3 mawk" ip ping iperf3 awk

build bench yes
RESULTS=$OUT/results.txt
: >"$RESULTS"

list=
for v in $VARIANTS; do
	case $v in
	wgd | wggo | wgd-off) ;;
	base | base-off) [ -x "$BASE_WGD" ] || die "$v needs BASE_WGD, a wgd binary" ;;
	deb)
		if [ ! -x "$DEB_WIREGUARD_GO" ]; then
			say "$DEB_WIREGUARD_GO missing, skipping deb (Debian: apt-get install wireguard-go)"
			continue
		fi
		;;
	*) die "unknown variant $v" ;;
	esac
	list="$list $v"
done
VARIANTS=$list

# Names unique to this run; wireguard-go's sockets in /var/run/wireguard
# are shared by every namespace, hence different interface names per side.
ID=$$
NSA=wgbench-$ID-a
NSB=wgbench-$ID-b
IFA=wgba$ID
IFB=wgbb$ID
VA=vba$ID
VB=vbb$ID
UNDER_A=10.231.0.1
UNDER_B=10.231.0.2
TUN_A=10.232.0.1
TUN_B=10.232.0.2
PIDA=
PIDB=
IPERF=

stop_daemons() {
	# shellcheck disable=SC2086 # no pids when no daemons run
	killwait $PIDA $PIDB $IPERF
	PIDA='' PIDB='' IPERF=''
	unsock "$IFA" "$IFB"
}

cleanup() {
	stop_daemons
	netns_del "$NSA" "$NSB"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_pair "$NSA" "$NSB" "$VA" "$VB" "$UNDER_A" "$UNDER_B"

KEYA=$("$WG" genkey)
KEYB=$("$WG" genkey)
PUBA=$(echo "$KEYA" | "$WG" pubkey)
PUBB=$(echo "$KEYB" | "$WG" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = 51820\n[Peer]\nPublicKey = %s\nEndpoint = %s:51821\nAllowedIPs = %s/32\n' \
	"$KEYA" "$PUBB" "$UNDER_B" "$TUN_B" >"$OUT/a.conf"
printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n[Peer]\nPublicKey = %s\nEndpoint = %s:51820\nAllowedIPs = %s/32\n' \
	"$KEYB" "$PUBA" "$UNDER_A" "$TUN_A" >"$OUT/b.conf"
chmod 600 "$OUT/a.conf" "$OUT/b.conf"

# ctxsw PID...: the context switches of the processes' threads so far.
ctxsw() {
	for p in "$@"; do cat "/proc/$p/task/"*/status 2>/dev/null; done |
		awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}

# hwm PID: the process's peak RSS in MiB.
hwm() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }

record() { echo "$1 $2 $3 $4" >>"$RESULTS"; }

# iperf MBITS-FIELD from iperf3's receiver summary line.
iperf_rate() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i } END { print r }'; }

run_variant() {
	v=$1
	r=$2
	start_daemon "$v" "$NSA" "$IFA" "$OUT/$v-$IFA.log"
	PIDA=$!
	start_daemon "$v" "$NSB" "$IFB" "$OUT/$v-$IFB.log"
	PIDB=$!
	wait_socket "$IFA"
	wait_socket "$IFB"
	ip -n "$NSA" link set "$IFA" mtu $MTU
	ip -n "$NSB" link set "$IFB" mtu $MTU
	ip -n "$NSA" addr add "$TUN_A/24" dev "$IFA"
	ip -n "$NSB" addr add "$TUN_B/24" dev "$IFB"
	"$WG" setconf "$IFA" "$OUT/a.conf"
	"$WG" setconf "$IFB" "$OUT/b.conf"
	ip -n "$NSA" link set "$IFA" up
	ip -n "$NSB" link set "$IFB" up

	# The first ping's RTT includes the first handshake.
	hs=$(ip netns exec "$NSA" ping -n -c 1 -W 5 "$TUN_B" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p')
	record "$v" "$r" first_handshake_ms "${hs:-nan}"
	lat=$(ip netns exec "$NSA" ping -n -q -c $PINGS -i 0.01 "$TUN_B" | awk -F/ '/^rtt/ { print $5 }')
	record "$v" "$r" ping_avg_ms "${lat:-nan}"

	ip netns exec "$NSB" iperf3 -s >/dev/null 2>&1 &
	IPERF=$!
	sleep 0.3
	for streams in 1 4; do
		c0=$(cpu "$PIDA" "$PIDB")
		s0=$(ctxsw "$PIDA" "$PIDB")
		mbit=$(ip netns exec "$NSA" iperf3 -c "$TUN_B" -f m -t "$DURATION" -P $streams | iperf_rate)
		c1=$(cpu "$PIDA" "$PIDB")
		s1=$(ctxsw "$PIDA" "$PIDB")
		record "$v" "$r" "tcp${streams}_mbit" "${mbit:-nan}"
		echo "$v $r $streams $c0 $c1 $s0 $s1 ${mbit:-0} $DURATION" | awk '$8 > 0 {
			gbit = $8 * $9 / 1000
			printf "%s %s tcp%s_cpu_s_per_gbit %.3f\n", $1, $2, $3, ($5 - $4) / gbit
			printf "%s %s tcp%s_ctxsw_per_gbit %.0f\n", $1, $2, $3, ($7 - $6) / gbit
		}' >>"$RESULTS"
	done
	udp=$(ip netns exec "$NSA" iperf3 -c "$TUN_B" -f m -t "$DURATION" -u -b "$UDP_RATE" -l 1360)
	record "$v" "$r" udp_mbit "$(echo "$udp" | iperf_rate)"
	record "$v" "$r" udp_loss_pct "$(echo "$udp" | awk '/receiver/ { gsub(/[()%]/, "", $(NF - 1)); l = $(NF - 1) } END { print l }')"
	record "$v" "$r" rss_mib "$(hwm "$PIDB")"
	stop_daemons
	say "$v round $r done"
}

rounds "$ROUNDS" "$VARIANTS"

# Summary: medians over the rounds, and the ratios of the medians.
machine "$(loadavg)"
echo "$ROUNDS rounds, $DURATION s per iperf3 test, UDP at $UDP_RATE, MTU $MTU"
ratios=
for p in wgd/wggo wgd-off/deb wgd/base wgd-off/base-off; do
	if has "${p%/*}" "$VARIANTS" && has "${p#*/}" "$VARIANTS"; then ratios="$ratios $p"; fi
done
summary "$RESULTS" "$VARIANTS" "$ratios"
