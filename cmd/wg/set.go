// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
)

// setUsage is the argument summary of `wg set`, as wireguard-tools
// v1.0.20210914 prints it.
const setUsage = "<interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] " +
	"[peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] " +
	"[persistent-keepalive <interval seconds>] [allowed-ips <ip1>/<cidr1>[,<ip2>/<cidr2>]...] ]..."

// cmdSet changes an interface's configuration from the command line:
// `wg set <interface> [listen-port <port>] [fwmark <mark>] ...`.
func cmdSet(e *env, args []string) int {
	if len(args) < 3 {
		fmt.Fprintf(e.stderr, "Usage: %s %s %s\n", e.prog, args[0], setUsage)
		return 1
	}
	res := newResolver(e.lookup, e.stderr)
	cfg, err := parseSetArgs(args[2:], res, e.openFile)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return 1
	}
	return configure(e, args[1], cfg)
}

// configure applies cfg to the named interface and reports a failure as
// wg(8) does.
func configure(e *env, name string, cfg *ifwg.Config) int {
	b, err := e.backend()
	if err == nil {
		err = b.ConfigureDevice(name, cfg)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Unable to modify interface: %s\n", strerror(err))
		return 1
	}
	return 0
}

// openFile opens a file named on the command line, as fopen(3) would;
// /dev/stdin is the environment's standard input.
func (e *env) openFile(path string) (io.ReadCloser, error) {
	if path == "/dev/stdin" && e.stdin != nil {
		return stdinFile{e.stdin}, nil
	}
	return os.Open(path)
}

// stdinFile is standard input opened as a file: closing it does nothing,
// and it can tell its position when the input can (a regular file or
// /dev/null, unlike a pipe).
type stdinFile struct{ io.Reader }

// Close does nothing: standard input stays open.
func (stdinFile) Close() error { return nil }

// Seek seeks the input, or fails with ESPIPE as lseek(2) on a pipe does.
func (f stdinFile) Seek(offset int64, whence int) (int64, error) {
	if s, ok := f.Reader.(io.Seeker); ok {
		return s.Seek(offset, whence)
	}
	return 0, syscall.ESPIPE
}
