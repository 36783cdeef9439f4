// SPDX-License-Identifier: BSD-2-Clause

package control

import "github.com/wgbsd/wgbsd/ifwg"

// Logger receives the server's log messages: Verbosef routine events
// (connections, requests and what they changed), Errorf failures. Either
// may be nil to discard that level; both must be safe for concurrent use.
// Messages never carry keys: peers are named by an abbreviation of their
// public key.
type Logger struct {
	Verbosef func(format string, args ...any)
	Errorf   func(format string, args ...any)
}

// verbosef logs a routine event.
func (l Logger) verbosef(format string, args ...any) {
	if l.Verbosef != nil {
		l.Verbosef(format, args...)
	}
}

// errorf logs a failure.
func (l Logger) errorf(format string, args ...any) {
	if l.Errorf != nil {
		l.Errorf(format, args...)
	}
}

// peerName abbreviates a public key for the log, as wireguard-go and
// internal/device do: peer(AbCd…WxYz).
func peerName(pub [32]byte) string {
	s := ifwg.Key(pub).String()
	return "peer(" + s[:4] + "…" + s[39:43] + ")"
}
