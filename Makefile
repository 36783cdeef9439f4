# SPDX-License-Identifier: BSD-2-Clause
#
# Portable between FreeBSD make and GNU make: only ?= defaults, ${VAR}
# references, $$ in recipes and shell loops.

GO?=		go
STATICCHECK?=	staticcheck
VERSION?=	0.1.0
PREFIX?=	/usr/local
DESTDIR?=
BINDIR?=	${PREFIX}/bin
SBINDIR?=	${PREFIX}/sbin
MANDIR?=	${PREFIX}/share/man
RCDIR?=		${PREFIX}/etc/rc.d
BUILDDIR?=	build
GOTESTFLAGS?=
# The wireguard-go the integration tests run against, from the Go module proxy.
WIREGUARD_GO?=	golang.zx2c4.com/wireguard@v0.0.0-20260522210424-ecfc5a8d5446
LDFLAGS=	-s -w -X github.com/wgbsd/wgbsd/internal/version.Version=${VERSION}
CROSS_ARCHS=	amd64 arm64 386 arm

.PHONY: all build test test-deps lint fmt vet staticcheck cross clean

all: build

build:
	${GO} build ./...

test:
	${GO} test -count=1 ${GOTESTFLAGS} ./...

# test-deps installs the test-only tools outside this module: the pinned
# wireguard-go (as $GOPATH/bin/wireguard) and staticcheck.
test-deps:
	GOFLAGS= ${GO} install ${WIREGUARD_GO}
	GOFLAGS= ${GO} install honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: fmt vet staticcheck

fmt:
	@out=$$(gofmt -s -l .); if [ -n "$$out" ]; then \
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

cross:
	for a in ${CROSS_ARCHS}; do \
		echo "build GOOS=freebsd GOARCH=$$a"; \
		CGO_ENABLED=0 GOOS=freebsd GOARCH=$$a GOARM=7 \
		    ${GO} build -trimpath -ldflags "${LDFLAGS}" ./... || exit 1; \
	done

clean:
	rm -rf ${BUILDDIR}
