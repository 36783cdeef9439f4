# shellcheck shell=sh
# SPDX-License-Identifier: BSD-2-Clause
#
# lib.sh: what the benchmarks (bench.sh, handshakes.sh, peers.sh, scale.sh)
# share. Each sets PROG, the prefix of its messages, and sources this file
# from the repository root, where it runs:
#
#   PROG=name
#   . bench/lib.sh
#
# Sourcing only defines: GO and BUILDDIR from the environment, with their
# defaults, and the functions below. Their own variables start with an
# underscore, so that they never change a caller's.

GO=${GO:-go}
BUILDDIR=${BUILDDIR:-build}

say() { echo "$PROG: $*" >&2; }

die() {
	echo "$PROG: $*" >&2
	exit 1
}

# check_words KIND LIST ALLOWED [STATUS]: exits with STATUS (1) at the
# first word of LIST that is not one of ALLOWED ("unknown KIND WORD").
check_words() {
	for _w in $2; do
		has "$_w" "$3" || {
			echo "$PROG: unknown $1 $_w" >&2
			exit "${4:-1}"
		}
	done
}

# has WORD LIST: whether WORD is one of LIST.
has() {
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# check_host: Linux (network namespaces) and root, or exit.
check_host() {
	[ "$(uname -s)" = Linux ] || die "Linux only (network namespaces)"
	[ "$(id -u)" = 0 ] || die "run as root"
}

# require HINT TOOL...: exits at the first TOOL not found, saying HINT
# (how to install it) when there is one.
require() {
	_hint=$1
	shift
	for _t; do
		command -v "$_t" >/dev/null 2>&1 || die "$_t not found${_hint:+ ($_hint)}"
	done
}

# build DIR WGGO [PACKAGE...]: builds wgd, wg and each PACKAGE (a ./path)
# into $BUILDDIR/DIR, then the pinned wireguard-go there (WIREGUARD_GO,
# the module@version, internal/testenv/wireguard-go.pin by default) unless
# WGGO is "no". Sets OUT, that directory's absolute path, and WG, this
# tree's wg in it.
build() {
	WIREGUARD_GO=${WIREGUARD_GO:-$(cat internal/testenv/wireguard-go.pin)}
	mkdir -p "$BUILDDIR/$1"
	OUT=$(cd "$BUILDDIR/$1" && pwd)
	WG=$OUT/wg
	_wggo=$2
	shift 2
	_names="wgd, wg"
	for _p; do _names="$_names, ${_p##*/}"; done
	say "building $_names and $WIREGUARD_GO"
	"$GO" build -trimpath -o "$OUT/wgd" ./cmd/wgd
	"$GO" build -trimpath -o "$WG" ./cmd/wg
	for _p; do "$GO" build -trimpath -o "$OUT/${_p##*/}" "$_p"; done
	if [ "$_wggo" != no ]; then
		GOFLAGS='' GOBIN="$OUT" "$GO" install "$WIREGUARD_GO"
	fi
}

# netns_add NS...: new network namespaces, their loopback up.
netns_add() {
	for _ns; do
		ip netns add "$_ns"
		ip -n "$_ns" link set lo up
	done
}

# netns_del NS...: deletes the namespaces that exist.
netns_del() {
	for _ns; do ip netns del "$_ns" 2>/dev/null || true; done
}

# netns_pair NSA NSB VA VB ADDRA ADDRB: two new namespaces joined by a
# veth pair, VA in NSA with ADDRA/24 and VB in NSB with ADDRB/24, up.
netns_pair() {
	netns_add "$1" "$2"
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2"
	ip -n "$1" addr add "$5/24" dev "$3"
	ip -n "$2" addr add "$6/24" dev "$4"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
}

# start_daemon VARIANT NS IF LOG: starts the variant's daemon for IF in
# the foreground in NS, its output to LOG; $! is its pid (ip netns exec
# and env exec it). Variants: wgd, wgd-off (WGD_OFFLOADS=off), wggo (the
# pinned wireguard-go, built by build), deb (DEB_WIREGUARD_GO), and base
# and base-off, the same as wgd and wgd-off with BASE, another wgd binary
# (the scripts set it from their environment).
start_daemon() {
	case $1 in
	wgd) ip netns exec "$2" "$OUT/wgd" -f "$3" >"$4" 2>&1 & ;;
	wgd-off) ip netns exec "$2" env WGD_OFFLOADS=off "$OUT/wgd" -f "$3" >"$4" 2>&1 & ;;
	wggo) ip netns exec "$2" env WG_PROCESS_FOREGROUND=1 "$OUT/wireguard" -f "$3" >"$4" 2>&1 & ;;
	deb) ip netns exec "$2" env WG_PROCESS_FOREGROUND=1 "$DEB_WIREGUARD_GO" -f "$3" >"$4" 2>&1 & ;;
	base) ip netns exec "$2" "$BASE" -f "$3" >"$4" 2>&1 & ;;
	base-off) ip netns exec "$2" env WGD_OFFLOADS=off "$BASE" -f "$3" >"$4" 2>&1 & ;;
	*) die "unknown variant $1" ;;
	esac
}

# wait_socket IF [TRIES [HINT]]: waits until wg show IF answers, polling
# every 50 ms, or exits after TRIES (200) polls, saying HINT.
wait_socket() {
	_i=0
	while ! "$WG" show "$1" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt "${2:-200}" ] || die "$1 never answered${3:+ $3}"
		sleep 0.05
	done
}

# rounds N VARIANTS: N rounds, each calling the script's run_variant
# VARIANT ROUND for every variant, in turn, so that load from others on a
# shared machine spreads over all of them.
rounds() {
	_r=1
	while [ $_r -le "$1" ]; do
		for _v in $2; do run_variant "$_v" $_r; done
		_r=$((_r + 1))
	done
}

# killwait PID...: signals the processes, then waits for each.
killwait() {
	for _p; do kill "$_p" 2>/dev/null || true; done
	for _p; do wait "$_p" 2>/dev/null || true; done
}

# unsock IF...: removes the control sockets of the interfaces' daemons,
# which are gone, and the lock files wgd leaves behind.
unsock() {
	for _if; do rm -f "/var/run/wireguard/$_if.sock" "/var/run/wireguard/$_if.lock"; done
}

# cpu PID...: the CPU seconds the processes have used (utime + stime).
cpu() {
	for _p; do cat "/proc/$_p/stat"; done |
		awk -v hz="$(getconf CLK_TCK)" '{ s += $14 + $15 } END { printf "%.3f\n", s / hz }'
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# machine LOAD: the summary's first line, the machine and LOAD, its load
# average.
machine() {
	echo "Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r), $("$GO" env GOVERSION); load average $1"
}

# summary RESULTS VARIANTS RATIOS: the table of bench/summary.awk.
summary() {
	awk -v variants="$2" -v ratios="$3" -f bench/summary.awk "$1"
}
