# SPDX-License-Identifier: BSD-2-Clause
#
# Portable between FreeBSD make and GNU make: only ?= defaults, ${VAR}
# references, $$ in recipes and shell loops.

GO?=		go
VERSION?=	0.1.0
PREFIX?=	/usr/local
DESTDIR?=
BINDIR?=	${PREFIX}/bin
SBINDIR?=	${PREFIX}/sbin
MANDIR?=	${PREFIX}/share/man
RCDIR?=		${PREFIX}/etc/rc.d
ETCDIR?=	${PREFIX}/etc/wireguard
BASHCOMPDIR?=	${PREFIX}/share/bash-completion/completions
ZSHCOMPDIR?=	${PREFIX}/share/zsh/site-functions
MAN5=		wg.conf.5
MAN8=		wg.8 wg-quick.8 wgd.8 wireguard.8
BUILDDIR?=	build
# Test and lint tools built from the Go module proxy (scripts/test-deps.sh).
TOOLSDIR?=	${BUILDDIR}/tools
STATICCHECK?=	${TOOLSDIR}/staticcheck
GOTESTFLAGS?=
LDFLAGS=	-s -w -X github.com/wgbsd/wgbsd/internal/version.Version=${VERSION}
CROSS_ARCHS=	amd64 arm64 386 arm

.PHONY: all build binaries completions test test-deps lint-deps lint fmt vet staticcheck \
	lint-sh lint-man cross demo bench bench-handshakes bench-peers bench-scale install \
	install-bin install-completions install-rc install-man uninstall clean

all: binaries completions

build:
	${GO} build ./...

binaries:
	mkdir -p ${BUILDDIR}
	${GO} build -trimpath -ldflags "${LDFLAGS}" -o ${BUILDDIR}/wg ./cmd/wg
	${GO} build -trimpath -ldflags "${LDFLAGS}" -o ${BUILDDIR}/wgd ./cmd/wgd

completions:
	${GO} run ./cmd/wg/internal/gencompletion -o ${BUILDDIR}/completion

# test sets up what the suite drives (test-deps), then runs all of it
# against the pinned wireguard-go built there.
test: test-deps
	d=${TOOLSDIR}; case $$d in /*) ;; *) d=$$(pwd)/$$d ;; esac; \
	WGBSD_WIREGUARD_GO=$$d/wireguard ${GO} test -count=1 ${GOTESTFLAGS} ./...

# test-deps installs Debian's packages for the programs the tests drive
# (as root, when missing) and builds the pinned wireguard-go
# (internal/testenv/wireguard-go.pin) into TOOLSDIR; lint-deps adds
# staticcheck.
test-deps:
	GO="${GO}" TOOLSDIR="${TOOLSDIR}" sh scripts/test-deps.sh

lint-deps:
	GO="${GO}" TOOLSDIR="${TOOLSDIR}" sh scripts/test-deps.sh lint

lint: lint-deps fmt vet staticcheck lint-sh lint-man

fmt:
	@out=$$(gofmt -s -l .) || exit 1; if [ -n "$$out" ]; then \
		echo "gofmt -s needed on:"; echo "$$out"; exit 1; fi

vet:
	GOOS=linux ${GO} vet ./...
	for a in amd64 386; do \
		echo "go vet GOOS=freebsd GOARCH=$$a"; \
		GOOS=freebsd GOARCH=$$a ${GO} vet ./... || exit 1; \
	done

staticcheck:
	GOOS=linux ${STATICCHECK} ./...
	GOOS=freebsd ${STATICCHECK} ./...

# The shell and manual checks live in the Go tests (rc.d/lint_test.go,
# man/man_test.go): wg-quick, the rc.d script and the stand-ins go through
# dash -n and shellcheck, the pages through mandoc -Tlint.  CI=true makes a
# missing shellcheck or mandoc a failure, not a skip.
lint-sh:
	CI=true ${GO} test -count=1 -run 'TestShellSyntax|TestShellcheck' ./rc.d

lint-man:
	CI=true ${GO} test -count=1 -run 'TestMandocLint|TestConventions' ./man

# demo (Linux, root): two network namespaces, a wgd in each configured with
# our wg from wg-quick-style files, ping and a transfer across, wg show.
demo:
	GO="${GO}" bash demo/demo.sh

# bench (Linux, root): wgd against the pinned wireguard-go, and wgd with
# its offloads off against Debian's wireguard-go, in two network
# namespaces; see bench/bench.sh and docs/performance.md.
bench:
	GO="${GO}" BUILDDIR="${BUILDDIR}" sh bench/bench.sh

# bench-scale (Linux, root): wgd and the pinned wireguard-go loading
# 10,000 and 100,000 idle peers: load time, RSS per peer, wg show dump;
# see bench/scale.sh and docs/performance.md.
bench-scale:
	GO="${GO}" BUILDDIR="${BUILDDIR}" sh bench/scale.sh

# bench-handshakes (Linux, root): handshakes per CPU second of wgd and of
# the pinned wireguard-go under a flood of valid initiations from 1,024
# peers; see bench/handshakes.sh and docs/performance.md.
bench-handshakes:
	GO="${GO}" BUILDDIR="${BUILDDIR}" sh bench/handshakes.sh

# bench-peers (Linux, root): throughput with 100 peers, each carrying its
# own TCP stream, through wgd and through the pinned wireguard-go; see
# bench/peers.sh and docs/performance.md.
bench-peers:
	GO="${GO}" BUILDDIR="${BUILDDIR}" sh bench/peers.sh

cross:
	for a in ${CROSS_ARCHS}; do \
		echo "build GOOS=freebsd GOARCH=$$a"; \
		CGO_ENABLED=0 GOOS=freebsd GOARCH=$$a GOARM=7 \
		    ${GO} build -trimpath -ldflags "${LDFLAGS}" ./... || exit 1; \
	done

install: install-bin install-completions install-rc install-man

install-bin: binaries
	install -d -m 0755 ${DESTDIR}${BINDIR}
	install -m 0555 ${BUILDDIR}/wg ${DESTDIR}${BINDIR}/wg
	install -d -m 0755 ${DESTDIR}${SBINDIR}
	install -m 0555 ${BUILDDIR}/wgd ${DESTDIR}${SBINDIR}/wgd

install-completions: completions
	install -d -m 0755 ${DESTDIR}${BASHCOMPDIR} ${DESTDIR}${ZSHCOMPDIR}
	install -m 0444 ${BUILDDIR}/completion/wg.bash ${DESTDIR}${BASHCOMPDIR}/wg
	install -m 0444 ${BUILDDIR}/completion/_wg ${DESTDIR}${ZSHCOMPDIR}/_wg

install-rc:
	mkdir -p ${BUILDDIR}
	sed -e 's|%%PREFIX%%|${PREFIX}|g' wg-quick/wg-quick.in > ${BUILDDIR}/wg-quick
	install -d -m 0755 ${DESTDIR}${BINDIR}
	install -m 0555 ${BUILDDIR}/wg-quick ${DESTDIR}${BINDIR}/wg-quick
	sed -e 's|%%PREFIX%%|${PREFIX}|g' rc.d/wireguard.in > ${BUILDDIR}/wireguard
	install -d -m 0755 ${DESTDIR}${RCDIR}
	install -m 0555 ${BUILDDIR}/wireguard ${DESTDIR}${RCDIR}/wireguard
	install -d -m 0700 ${DESTDIR}${ETCDIR}

# The pages name /usr/local; they get ${PREFIX}.
install-man:
	mkdir -p ${BUILDDIR}/man
	install -d -m 0755 ${DESTDIR}${MANDIR}/man5 ${DESTDIR}${MANDIR}/man8
	for p in ${MAN5} ${MAN8}; do \
		sed -e 's|/usr/local/|${PREFIX}/|g' man/$$p > ${BUILDDIR}/man/$$p || exit 1; \
		install -m 0444 ${BUILDDIR}/man/$$p ${DESTDIR}${MANDIR}/man$${p##*.}/$$p || exit 1; \
	done

uninstall:
	rm -f ${DESTDIR}${BINDIR}/wg ${DESTDIR}${BINDIR}/wg-quick ${DESTDIR}${SBINDIR}/wgd
	rm -f ${DESTDIR}${BASHCOMPDIR}/wg ${DESTDIR}${ZSHCOMPDIR}/_wg
	rm -f ${DESTDIR}${RCDIR}/wireguard
	for p in ${MAN5} ${MAN8}; do rm -f ${DESTDIR}${MANDIR}/man$${p##*.}/$$p; done

clean:
	rm -rf ${BUILDDIR}
