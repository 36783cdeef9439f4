#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# peers.sh: throughput with many peers, each carrying its own TCP stream,
# through wgd and through the pinned wireguard-go, on one Linux host (root).
#
# Two network namespaces joined by a veth pair. Namespace A holds the
# daemon under test: one interface with N peers (100 by default), each
# allowed one /32. Namespace B holds the other end of every peer: N wgd
# daemons, the same for both variants, each with its own interface, key,
# listen port and tunnel address, and a routing rule ("ip rule from ADDR
# lookup TABLE") so that what leaves from that address goes through that
# interface. One iperf3 server per peer listens in A; one iperf3 client per
# peer, bound to its peer's address, connects through its own tunnel. All
# N clients start together and run for the same time.
#
# Variants of the daemon under test:
#
#   wgd      wgd with the Linux tun and UDP offloads (the default)
#   wggo     the pinned wireguard-go (internal/testenv/wireguard-go.pin),
#            built here
#   wgd-off  wgd with WGD_OFFLOADS=off (one packet per system call)
#
# Directions (modes):
#
#   rx       the clients in B send, the daemon under test receives
#   tx       the clients receive (iperf3 -R), the daemon under test sends
#
# Every round runs every variant once, in turn, each with a fresh daemon
# under test and fresh daemons in B; the summary gives the median over the
# rounds and the ratio wgd/wggo. Per variant, round and mode: the Mbit/s
# received summed over the streams, how many streams carried data, the
# slowest, median and fastest stream, the CPU seconds per Gbit carried of
# the daemon under test (and of the daemons in B, all together), its peak
# RSS (VmHWM) so far and the size of its UDP sends (see veth_tx). Per
# variant and round: its RSS once every peer has made its handshake,
# before any load, and after the load, and the RSS of the daemons in B
# together after the load (they take about 10 MiB each).
#
# Usage (from the repository root, as root):
#   sh bench/peers.sh [-n PEERS] [-r ROUNDS] [-d SECONDS] [-m "MODES"]
#                     [-v "VARIANTS"]
# Environment: GO (go), WIREGUARD_GO (the module@version to build; the
#   pin by default), BUILDDIR (build).
#   Results go to $BUILDDIR/bench/peers-results.txt, one "variant round
#   metric value" per line, and the summary to standard output.

set -eu

PROG=peers
# shellcheck source=bench/lib.sh
. bench/lib.sh

PEERS=100
ROUNDS=3
DURATION=10
MODES="rx tx"
VARIANTS="wgd wggo"
usage() {
	echo "usage: $0 [-n peers] [-r rounds] [-d seconds] [-m modes] [-v variants]" >&2
	exit 2
}
while getopts n:r:d:m:v: opt; do
	case $opt in
	n) PEERS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	m) MODES=$OPTARG ;;
	v) VARIANTS=$OPTARG ;;
	*) usage ;;
	esac
done

MTU=1420

# say, with the time of day.
say() { echo "peers: $(date +%T) $*" >&2; }

# Ports, routing tables and addresses are counted from the peer's number,
# which keeps them below these bounds.
case $PEERS in '' | *[!0-9]*) usage ;; esac
case $ROUNDS in '' | *[!0-9]*) usage ;; esac
case $DURATION in '' | *[!0-9]*) usage ;; esac
if [ "$PEERS" -lt 1 ] || [ "$PEERS" -gt 1000 ]; then die "peers: 1 to 1000"; fi
if [ "$ROUNDS" -lt 1 ]; then die "rounds: at least 1"; fi
if [ "$DURATION" -lt 1 ] || [ "$DURATION" -gt 600 ]; then die "duration: 1 to 600 s"; fi
check_words mode "$MODES" "rx tx"
check_words variant "$VARIANTS" "wgd wggo wgd-off"

check_host
require "Debian: apt-get install iproute2 iputils-ping iperf3 mawk coreutils" ip ping iperf3 awk sort timeout

build bench yes
RESULTS=$OUT/peers-results.txt
: >"$RESULTS"
: >"$OUT/peers-errors.txt"

# Names unique to this run. Interface names: "wp", the pid (up to 7
# digits), a side letter and the peer's number fit in IFNAMSIZ.
ID=$$
NSA=wgpeers-$ID-a
NSB=wgpeers-$ID-b
IFA=wp${ID}a
VA=vpa$ID
VB=vpb$ID
UNDER_A=10.241.0.1
UNDER_B=10.241.0.2
TUN_A=10.242.0.1
PORT_A=51820
WORK=$OUT/peers-$ID
PIDA=
PIDSB=
SERVERS=
CLIENTS=

# Peer i (1..PEERS): interface, tunnel address, listen port in B, iperf3
# port in A, routing table in B.
ifb() { echo "wp${ID}b$1"; }
addr() { echo "10.242.$(($1 / 250 + 1)).$(($1 % 250 + 1))"; }
lport() { echo $((52000 + $1)); }
sport() { echo $((20000 + $1)); }
table() { echo $((1000 + $1)); }

waitall() {
	for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

# stop_daemons: the clients, the daemon under test and the daemons in B.
stop_daemons() {
	# shellcheck disable=SC2086 # lists of pids
	killwait $CLIENTS $PIDA $PIDSB
	CLIENTS='' PIDA='' PIDSB=''
	# The daemons are gone: their sockets and wgd's lock files go too.
	# shellcheck disable=SC2046 # a list of interfaces
	unsock "$IFA" $(i=1; while [ $i -le "$PEERS" ]; do ifb $i; i=$((i + 1)); done)
}

cleanup() {
	# Finish the clean-up whatever comes: a second interrupt, or a reader
	# of the output that is gone (a pipe interrupted along with this).
	trap '' INT TERM HUP PIPE
	stop_daemons
	# shellcheck disable=SC2086 # a list of pids
	killwait $SERVERS
	# Anything left in the namespaces was started here (a client of an
	# interrupted run, started by the shell in B).
	for ns in "$NSA" "$NSB"; do
		# shellcheck disable=SC2046 # a list of pids
		kill $(ip netns pids "$ns" 2>/dev/null) 2>/dev/null || true
	done
	netns_del "$NSA" "$NSB"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir -p "$WORK"
netns_pair "$NSA" "$NSB" "$VA" "$VB" "$UNDER_A" "$UNDER_B"

# Keys and configurations, the same for every round: A's with every peer,
# and one per daemon in B with A as its one peer. Routing in B, which
# outlives the daemons: from peer i's address through peer i's interface.
KEYA=$("$WG" genkey)
PUBA=$(echo "$KEYA" | "$WG" pubkey)
printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n' "$KEYA" $PORT_A >"$WORK/a.conf"
i=1
while [ $i -le "$PEERS" ]; do
	k=$("$WG" genkey)
	printf '[Peer]\nPublicKey = %s\nEndpoint = %s:%s\nAllowedIPs = %s/32\n' \
		"$(echo "$k" | "$WG" pubkey)" $UNDER_B "$(lport $i)" "$(addr $i)" >>"$WORK/a.conf"
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\n[Peer]\nPublicKey = %s\nEndpoint = %s:%s\nAllowedIPs = %s/32\n' \
		"$k" "$(lport $i)" "$PUBA" $UNDER_A $PORT_A $TUN_A >"$WORK/b$i.conf"
	ip -n "$NSB" rule add from "$(addr $i)" lookup "$(table $i)"
	echo "$i $(addr $i) $(sport $i)" >>"$WORK/streams.txt"
	printf 'link set %s mtu %s\naddr add %s/32 dev %s\nlink set %s up\nroute add %s/32 dev %s table %s\n' \
		"$(ifb $i)" $MTU "$(addr $i)" "$(ifb $i)" "$(ifb $i)" $TUN_A "$(ifb $i)" "$(table $i)" >>"$WORK/b-ip.txt"
	i=$((i + 1))
done
chmod 600 "$WORK"/*.conf

# One iperf3 server per peer in A, for the whole run: they listen on the
# wildcard address and outlive the daemons.
i=1
while [ $i -le "$PEERS" ]; do
	ip netns exec "$NSA" iperf3 -s -p "$(sport $i)" >/dev/null 2>&1 &
	SERVERS="$SERVERS $!"
	i=$((i + 1))
done

# up NS IF ADDR/LEN CONF: configures a started daemon's interface.
up() {
	ip -n "$1" link set "$2" mtu $MTU
	ip -n "$1" addr add "$3" dev "$2"
	"$WG" setconf "$2" "$4"
	ip -n "$1" link set "$2" up
}

# mib FIELD PID: a memory figure of /proc/PID/status (VmHWM, VmRSS) in MiB.
mib() { awk -v f="$1:" '$1 == f { printf "%.1f\n", $2 / 1024 }' "/proc/$2/status"; }

# tunbytes rx|tx: the bytes the tun of the daemon under test has carried
# in that direction, as the kernel counts them: rx what the daemon wrote
# into it (received through the tunnel), tx what it read (sent).
tunbytes() { ip netns exec "$NSA" cat "/sys/class/net/$IFA/statistics/$1_bytes"; }

# veth_tx: the bytes and packets the daemon under test has sent on the
# veth. A run of datagrams sent in one UDP_SEGMENT message crosses the
# veth as one packet, so bytes per packet is the size of its sends.
veth_tx() {
	ip netns exec "$NSA" cat "/sys/class/net/$VA/statistics/tx_bytes" "/sys/class/net/$VA/statistics/tx_packets" |
		tr '\n' ' '
}

record() { echo "$1 $2 $3 $4" >>"$RESULTS"; }

# median: the median of the numbers on standard input, one a line.
median() {
	sort -n | awk '{ a[NR] = $1 } END { if (NR) print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# run_mode VARIANT ROUND MODE: all clients at once, then the figures.
run_mode() {
	flag=
	dir=rx
	if [ "$3" = tx ]; then flag=-R dir=tx; fi
	ba=$(tunbytes $dir)
	ua=$(veth_tx)
	ca=$(cpu "$PIDA")
	# shellcheck disable=SC2086 # a list of pids
	cb=$(cpu $PIDSB)
	# One shell in B starts every client, so that they start within a few
	# milliseconds of each other; each has its own time bound, for a
	# stream that stalls.
	# shellcheck disable=SC2016 # the inner shell expands its arguments
	ip netns exec "$NSB" sh -c '
		while read -r i a p; do
			timeout $(($1 + 30)) iperf3 -c "$2" -p "$p" -B "$a" -f m -t "$1" \
				--connect-timeout 10000 $3 >"$4/c$i.txt" 2>&1 &
		done <"$4/streams.txt"
		wait' sh "$DURATION" $TUN_A "$flag" "$WORK" &
	CLIENTS=$!
	waitall $CLIENTS
	CLIENTS=
	say "$1 round $2: $3 done"
	ca1=$(cpu "$PIDA")
	# shellcheck disable=SC2086 # a list of pids
	cb1=$(cpu $PIDSB)
	ba1=$(tunbytes $dir)
	ua1=$(veth_tx)
	# Each stream's receiver rate; a failed stream counts as 0.
	i=1
	while [ $i -le "$PEERS" ]; do
		rate=0
		[ ! -f "$WORK/c$i.txt" ] ||
			rate=$(awk '/receiver/ { for (j = 1; j < NF; j++) if ($(j + 1) == "Mbits/sec") r = $j } END { print r + 0 }' "$WORK/c$i.txt")
		echo "$rate"
		i=$((i + 1))
	done >"$WORK/rates.txt"
	# What the streams that carried nothing said, for the record.
	i=1
	while [ $i -le "$PEERS" ]; do
		if [ "$(sed -n "${i}p" "$WORK/rates.txt")" = 0 ]; then
			echo "$1 $2 $3 peer $i: $(grep -m 1 -i 'error\|refused\|timed out' "$WORK/c$i.txt" || tail -n 1 "$WORK/c$i.txt" || true)"
		fi
		i=$((i + 1))
	done | tee -a "$OUT/peers-errors.txt" >&2
	total=$(awk '{ s += $1 } END { printf "%.0f\n", s }' "$WORK/rates.txt")
	record "$1" "$2" "$3_mbit" "$total"
	record "$1" "$2" "$3_streams_with_data" "$(awk '$1 > 0 { n++ } END { print n + 0 }' "$WORK/rates.txt")"
	record "$1" "$2" "$3_stream_min_mbit" "$(sort -n "$WORK/rates.txt" | head -n 1)"
	record "$1" "$2" "$3_stream_median_mbit" "$(median <"$WORK/rates.txt")"
	record "$1" "$2" "$3_stream_max_mbit" "$(sort -n "$WORK/rates.txt" | tail -n 1)"
	for f in "$3_cpu_s_per_gbit $ca $ca1" "$3_peers_cpu_s_per_gbit $cb $cb1"; do
		echo "$1 $2 $f $ba $ba1" |
			awk '$7 > $6 { printf "%s %s %s %.3f\n", $1, $2, $3, ($5 - $4) / (($7 - $6) * 8 / 1e9) }' >>"$RESULTS"
	done
	record "$1" "$2" "$3_udp_bytes_per_send" "$(echo "$ua $ua1" | awk '$4 > $2 { printf "%.0f", ($3 - $1) / ($4 - $2) }')"
	record "$1" "$2" "$3_rss_peak_mib" "$(mib VmHWM "$PIDA")"
}

run_variant() {
	v=$1
	rd=$2
	i=1
	while [ $i -le "$PEERS" ]; do
		ip netns exec "$NSB" "$OUT/wgd" -f "$(ifb $i)" >/dev/null 2>&1 &
		PIDSB="$PIDSB $!"
		i=$((i + 1))
	done
	say "$v round $rd: $PEERS daemons in B started"
	start_daemon "$v" "$NSA" "$IFA" "$OUT/peers-$v.log"
	PIDA=$!
	wait_socket "$IFA" 400
	up "$NSA" "$IFA" "$TUN_A/16" "$WORK/a.conf"
	i=1
	while [ $i -le "$PEERS" ]; do
		wait_socket "$(ifb $i)" 400
		"$WG" setconf "$(ifb $i)" "$WORK/b$i.conf"
		i=$((i + 1))
	done
	ip -n "$NSB" -batch "$WORK/b-ip.txt"
	say "$v round $rd: configured"
	# One ping per peer, all at once: every peer makes its handshake
	# before the streams start.
	i=1
	pings=
	while [ $i -le "$PEERS" ]; do
		ip netns exec "$NSB" ping -n -q -c 1 -w 10 -I "$(addr $i)" $TUN_A >"$WORK/p$i.txt" 2>&1 &
		pings="$pings $!"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # a list of pids
	waitall $pings
	record "$v" "$rd" peers_answering_ping "$(cat "$WORK"/p[0-9]*.txt | grep -c ' 1 received')"
	record "$v" "$rd" rss_after_handshakes_mib "$(mib VmRSS "$PIDA")"
	say "$v round $rd: pinged"
	for m in $MODES; do
		run_mode "$v" "$rd" "$m"
	done
	record "$v" "$rd" rss_after_load_mib "$(mib VmRSS "$PIDA")"
	# shellcheck disable=SC2086 # a list of pids
	record "$v" "$rd" peers_rss_after_load_mib "$(for p in $PIDSB; do mib VmRSS "$p"; done | awk '{ s += $1 } END { print s }')"
	stop_daemons
	rm -f "$WORK"/p[0-9]*.txt "$WORK"/c[0-9]*.txt
	say "$v round $rd done"
}

rounds "$ROUNDS" "$VARIANTS"

# Summary: medians over the rounds, and the ratio of the medians.
machine "$(loadavg)"
echo "$PEERS peers, $ROUNDS rounds, $DURATION s per test, MTU $MTU"
printf '| metric |'
for v in $VARIANTS; do printf ' %s |' "$v"; done
echo ' wgd/wggo |'
printf '|---|'
for v in $VARIANTS; do printf -- '---:|'; done
echo '---:|'
awk '!seen[$3]++ { print $3 }' "$RESULTS" | while read -r k; do
	printf '| %s |' "$k"
	a='' b=''
	for v in $VARIANTS; do
		m=$(awk -v v="$v" -v k="$k" '$1 == v && $3 == k { print $4 }' "$RESULTS" | median)
		printf ' %s |' "$m"
		case $v in wgd) a=$m ;; wggo) b=$m ;; esac
	done
	echo " $(echo "$a $b" | awk 'NF == 2 && $2 != 0 { printf "%.2f", $1 / $2; next } { printf "-" }') |"
done
