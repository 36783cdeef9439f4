#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A WireGuard tunnel between two network namespaces, each running wgd.
#
#   demo/demo.sh [--wg PATH] [--wgd PATH]
#
# It builds wg and wgd from this tree (with $GO, default go) unless given
# their paths, creates two namespaces joined by a veth pair, starts wgd in
# each, writes a wg-quick-style configuration per side with keys from
# `wg genkey`/`wg pubkey`, applies it with `wg setconf` (stripped of the
# wg-quick keys), assigns the addresses with ip(8), pings across, sends
# 10 MB through TCP both ways comparing checksums, prints `wg show` for
# both sides, and removes everything again, also when a step fails.
#
# Needs root, bash, iproute2, iputils-ping and perl (Debian's essential
# perl-base is enough); Go unless both paths are given.
set -euo pipefail

readonly prog=${0##*/}
GO=${GO:-go}
wg=""
wgd=""

die() {
	echo "$prog: $*" >&2
	exit 1
}

step() {
	echo "== $*"
}

while [ $# -gt 0 ]; do
	case $1 in
	--wg) [ $# -ge 2 ] || die "--wg needs a path"; wg=$2; shift 2 ;;
	--wgd) [ $# -ge 2 ] || die "--wgd needs a path"; wgd=$2; shift 2 ;;
	-h | --help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $1 (usage: $prog [--wg PATH] [--wgd PATH])" ;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "must be run as root"
for tool in ip ping perl sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

# Names carry the process id so that concurrent runs never collide;
# interface names stay within 15 characters.
readonly id=$$
readonly ns_a="wgbsd-demo-$id-a" ns_b="wgbsd-demo-$id-b"
readonly if_a="wgdemo${id}a" if_b="wgdemo${id}b"
readonly veth_a="vdemo${id}a" veth_b="vdemo${id}b"
readonly sockdir=/var/run/wireguard
work=$(mktemp -d "${TMPDIR:-/tmp}/wgbsd-demo.XXXXXX")
readonly work
pids=()

cleanup() {
	local status=$? pid ns
	trap - EXIT INT TERM
	set +e
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "$ns_a" "$ns_b"; do
		if ip netns list | grep -qw "^$ns"; then
			ip netns pids "$ns" | xargs -r kill -KILL 2>/dev/null
			ip netns del "$ns"
		fi
	done
	rm -f "$sockdir/$if_a.sock" "$sockdir/$if_b.sock" \
	    "$sockdir/$if_a.lock" "$sockdir/$if_b.lock"
	rm -rf "$work"
	if [ "$status" -eq 0 ]; then
		echo "== cleaned up; demo passed"
	else
		echo "== cleaned up; demo FAILED (status $status)" >&2
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build() {
	local root
	root=$(cd "$(dirname "$0")/.." && pwd)
	step "building wg and wgd with $GO"
	(cd "$root" && "$GO" build -o "$work/wg" ./cmd/wg && "$GO" build -o "$work/wgd" ./cmd/wgd)
	[ -n "$wg" ] || wg=$work/wg
	[ -n "$wgd" ] || wgd=$work/wgd
}

if [ -z "$wg" ] || [ -z "$wgd" ]; then
	build
fi
[ -x "$wg" ] || die "$wg is not executable"
[ -x "$wgd" ] || die "$wgd is not executable"

step "namespaces $ns_a and $ns_b, joined by a veth pair"
ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "$veth_a" netns "$ns_a" type veth peer name "$veth_b" netns "$ns_b"
ip -n "$ns_a" addr add 192.168.241.1/24 dev "$veth_a"
ip -n "$ns_b" addr add 192.168.241.2/24 dev "$veth_b"
for ns in "$ns_a" "$ns_b"; do
	ip -n "$ns" link set lo up
done
ip -n "$ns_a" link set "$veth_a" up
ip -n "$ns_b" link set "$veth_b" up

# start_wgd NS IF: starts wgd in the foreground, in the background of this
# script, and waits until it serves its control socket.
start_wgd() {
	local ns=$1 ifname=$2 pid
	ip netns exec "$ns" "$wgd" -f "$ifname" >"$work/$ifname.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		[ -S "$sockdir/$ifname.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/$ifname.log" >&2
	die "wgd for $ifname did not start"
}

step "starting wgd in both namespaces"
start_wgd "$ns_a" "$if_a"
start_wgd "$ns_b" "$if_b"

step "keys from wg genkey and wg pubkey"
(umask 077 && "$wg" genkey >"$work/a.key" && "$wg" genkey >"$work/b.key")
"$wg" pubkey <"$work/a.key" >"$work/a.pub"
"$wg" pubkey <"$work/b.key" >"$work/b.pub"

# write_conf NAME ADDRESS PORT PEER PEER_ADDRESS PEER_PORT: a wg-quick
# configuration file.
write_conf() {
	local name=$1 addr=$2 port=$3 peer=$4 peer_addr=$5 peer_port=$6
	(umask 077 && cat >"$work/$name.conf") <<-CONF
		[Interface]
		Address = 10.100.0.$addr/24, fd00:100::$addr/64
		MTU = 1420
		PrivateKey = $(cat "$work/$name.key")
		ListenPort = $port

		[Peer]
		PublicKey = $(cat "$work/$peer.pub")
		Endpoint = 192.168.241.$peer_addr:$peer_port
		AllowedIPs = 10.100.0.$peer_addr/32, fd00:100::$peer_addr/128
		PersistentKeepalive = 25
	CONF
}
write_conf a 1 51820 b 2 51821
write_conf b 2 51821 a 1 51820

# strip_conf FILE: the configuration without the keys wg-quick consumes
# itself, as `wg-quick strip` prints it.
strip_conf() {
	awk '
		/^[ \t]*\[/ { iface = tolower($0) ~ /^[ \t]*\[interface\]/ }
		{
			key = tolower($0); sub(/^[ \t]*/, "", key); sub(/[ \t]*=.*/, "", key)
			if (iface && key ~ /^(address|dns|mtu|table|preup|predown|postup|postdown|saveconfig)$/)
				next
			print
		}' "$1"
}

# conf_values FILE KEY: the comma- or space-separated values of an
# [Interface] key, one per line.
conf_values() {
	awk -v want="$2" '
		/^[ \t]*\[/ { iface = tolower($0) ~ /^[ \t]*\[interface\]/ }
		iface && index($0, "=") {
			key = tolower($0); sub(/^[ \t]*/, "", key); sub(/[ \t]*=.*/, "", key)
			if (key != want) next
			value = $0; sub(/^[^=]*=[ \t]*/, "", value); sub(/#.*/, "", value)
			gsub(/[, \t]+/, "\n", value); print value
		}' "$1" | sed '/^$/d'
}

# configure NS IF NAME: applies NAME.conf as wg-quick would.
configure() {
	local ns=$1 ifname=$2 name=$3 addr mtu
	strip_conf "$work/$name.conf" >"$work/$name.stripped"
	"$wg" setconf "$ifname" "$work/$name.stripped"
	while read -r addr; do
		case $addr in
		*:*) ip -n "$ns" -6 addr add "$addr" dev "$ifname" nodad ;;
		*) ip -n "$ns" -4 addr add "$addr" dev "$ifname" ;;
		esac
	done < <(conf_values "$work/$name.conf" address)
	mtu=$(conf_values "$work/$name.conf" mtu)
	[ -z "$mtu" ] || ip -n "$ns" link set "$ifname" mtu "$mtu"
	ip -n "$ns" link set "$ifname" up
}

step "wg setconf on the stripped configurations, addresses and links up"
configure "$ns_a" "$if_a" a
configure "$ns_b" "$if_b" b

step "ping across the tunnel, both ways, IPv4 and IPv6"
ip netns exec "$ns_a" ping -c 3 -W 5 10.100.0.2
ip netns exec "$ns_b" ping -c 3 -W 5 10.100.0.1
ip netns exec "$ns_a" ping -c 3 -W 5 fd00:100::2
ip netns exec "$ns_b" ping -c 3 -W 5 fd00:100::1

# transfer FROM_NS TO_NS TO_ADDR: sends 10 MB over TCP and compares the
# checksums of what was sent and what arrived.
transfer() {
	local from=$1 to=$2 addr=$3 sent got
	head -c 10M /dev/urandom >"$work/payload"
	rm -f "$work/received" "$work/ready"
	# shellcheck disable=SC2016 # Perl, not shell, expands these.
	ip netns exec "$to" perl -MIO::Socket::INET -e '
		my $l = IO::Socket::INET->new(LocalAddr => $ARGV[0], LocalPort => 7777,
			Listen => 1, ReuseAddr => 1) or die "listen: $!\n";
		open(my $r, ">", $ARGV[1]) or die; close($r);
		my $c = $l->accept or die "accept: $!\n";
		while (sysread($c, my $buf, 65536)) { syswrite(STDOUT, $buf) or die "write: $!\n" }' \
		"$addr" "$work/ready" >"$work/received" &
	local receiver=$!
	for _ in $(seq 100); do
		[ -e "$work/ready" ] && break
		sleep 0.1
	done
	# shellcheck disable=SC2016 # The inner shell expands these.
	ip netns exec "$from" bash -c 'cat "$0" >"/dev/tcp/$1/7777"' "$work/payload" "$addr"
	wait "$receiver"
	sent=$(sha256sum <"$work/payload")
	got=$(sha256sum <"$work/received")
	[ "$sent" = "$got" ] || die "transfer to $addr corrupted: sent $sent, got $got"
	echo "10 MB to $addr intact: ${got%% *}"
}

step "10 MB through TCP, both ways"
transfer "$ns_a" "$ns_b" 10.100.0.2
transfer "$ns_b" "$ns_a" 10.100.0.1

step "wg show $if_a"
"$wg" show "$if_a"
step "wg show $if_b"
"$wg" show "$if_b"
