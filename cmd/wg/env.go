// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wgbsd/wgbsd/ifwg"
)

// env is everything a subcommand sees of the world. main fills it from the
// process; tests substitute every part.
type env struct {
	// prog is argv[0] verbatim: wg(8) prints it in every usage line.
	prog   string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// getenv reads an environment variable (WG_COLOR_MODE, WG_HIDE_KEYS,
	// WG_ENDPOINT_RESOLUTION_RETRIES).
	getenv func(string) string
	// lookupEnv reads an environment variable and whether it is set, for
	// the variables where empty and unset differ
	// (WG_ENDPOINT_RESOLUTION_RETRIES); nil falls back to getenv, with
	// empty read as unset.
	lookupEnv func(string) (string, bool)
	// now is the wall clock, for "latest handshake" spans.
	now func() time.Time
	// stdoutIsTTY decides colour when WG_COLOR_MODE is auto.
	stdoutIsTTY bool
	// stdoutStat describes standard output, for genkey's warning about
	// world-accessible files; nil when unknown.
	stdoutStat func() (os.FileInfo, error)
	// backend reaches the interfaces; opened on first use.
	backend func() (ifwg.Backend, error)
}

// lookup reads an environment variable and whether it is set.
func (e *env) lookup(name string) (string, bool) {
	if e.lookupEnv != nil {
		return e.lookupEnv(name)
	}
	v := e.getenv(name)
	return v, v != ""
}

// subcommand runs one wg subcommand: args[0] is the subcommand's name, as
// wg(8) passes it. It returns the exit status.
type subcommand func(e *env, args []string) int

// strerror returns the C library's text for the errno inside err, as
// wg(8) prints it with strerror(3) or perror(3): the operating system's
// message with a capital first letter. An error without an errno gives its
// own text, except a UAPI protocol violation, which wg(8) reports as
// EPROTO.
func strerror(err error) string {
	var en syscall.Errno
	if !errors.As(err, &en) {
		if !errors.Is(err, ifwg.ErrUAPIProtocol) {
			return err.Error()
		}
		// wg(8) reports a malformed UAPI reply as EPROTO.
		en = syscall.EPROTO
	}
	msg := en.Error()
	if msg == "" || msg == fmt.Sprintf("errno %d", int(en)) {
		return unknownErrno(int(en))
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}
