// SPDX-License-Identifier: BSD-2-Clause

package device

// Logger receives the engine's log messages. Verbosef gets routine events
// (handshakes, keepalives, peers starting and stopping) and Errorf
// failures. Either may be nil to discard that level. Both must be safe for
// concurrent use. Keys never appear in messages: peers are named by an
// abbreviation of their public key, such as peer(AbCd…WxYz).
type Logger struct {
	Verbosef func(format string, args ...any)
	Errorf   func(format string, args ...any)
}

// DiscardLogf is a log function that discards its message.
func DiscardLogf(string, ...any) {}

// normalized returns l with nil functions replaced by DiscardLogf.
func (l Logger) normalized() Logger {
	if l.Verbosef == nil {
		l.Verbosef = DiscardLogf
	}
	if l.Errorf == nil {
		l.Errorf = DiscardLogf
	}
	return l
}
