#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Sets up what the test suite drives besides this module, so that
# `make test` on a fresh Debian machine (as root) runs the whole suite:
#
#  - Debian's packages for the external programs the tests use as peers,
#    oracles and stand-in hosts (installed only when one is missing, and
#    only as root; otherwise the tests that need it skip with a reason);
#  - the pinned wireguard-go (internal/testenv/wireguard-go.pin), built
#    from the Go module proxy into TOOLSDIR, and nowhere else;
#  - with the argument "lint", staticcheck into TOOLSDIR as well.
#
# Environment: GO (the go command), TOOLSDIR (default build/tools).
set -eu

GO=${GO:-go}
TOOLSDIR=${TOOLSDIR:-build/tools}
STATICCHECK_PIN=honnef.co/go/tools/cmd/staticcheck@v0.8.2

cd "$(dirname "$0")/.."
case ${TOOLSDIR} in
/*) ;;
*) TOOLSDIR=$(pwd)/${TOOLSDIR} ;;
esac

# command:package pairs, one per program a test or the lint gates run.
programs="wg:wireguard-tools wg-quick:wireguard-tools ip:iproute2
ping:iputils-ping mandoc:mandoc shellcheck:shellcheck bmake:bmake
make:make perl:perl script:bsdutils unshare:util-linux dash:dash
sha256sum:coreutils"

missing=
for pair in ${programs}; do
	command -v "${pair%%:*}" >/dev/null 2>&1 && continue
	case " ${missing} " in
	*" ${pair#*:} "*) ;;
	*) missing="${missing} ${pair#*:}" ;;
	esac
done
# The module proxy is reached over TLS.
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing="${missing} ca-certificates"
if [ -n "${missing}" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "test-deps: installing${missing}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		# shellcheck disable=SC2086 # a list of package names
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends ${missing} >/dev/null
	else
		echo "test-deps: missing packages${missing}; the tests that need them skip" >&2
	fi
fi

# gobuild PIN NAME: installs the module at PIN as TOOLSDIR/NAME unless a
# build of exactly that version is already there.
gobuild() {
	if [ -x "${TOOLSDIR}/$2" ] &&
	    "${GO}" version -m "${TOOLSDIR}/$2" 2>/dev/null |
	    awk -v p="${1%@*}" -v v="${1#*@}" '
		$1 == "path" && $2 == p { path = 1 }
		$1 == "mod" && $3 == v { mod = 1 }
		END { exit !(path && mod) }'; then
		return 0
	fi
	echo "test-deps: building $1 into ${TOOLSDIR}"
	mkdir -p "${TOOLSDIR}"
	GOFLAGS="" GOBIN="${TOOLSDIR}" "${GO}" install "$1"
}

gobuild "$(cat internal/testenv/wireguard-go.pin)" wireguard
if [ "${1:-}" = lint ]; then
	gobuild "${STATICCHECK_PIN}" staticcheck
fi
