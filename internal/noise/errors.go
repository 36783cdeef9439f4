// SPDX-License-Identifier: BSD-2-Clause

package noise

import "github.com/wgbsd/wgbsd/internal/enum"

// Error is a class of failure for the engine. Errors returned by this
// package wrap exactly one Error with context: test with errors.Is, or
// take the class with errors.As. The classes are constants, so no one can
// replace them, and no error text contains key material.
type Error uint8

// The classes of failure.
const (
	// ErrInvalidMessage reports a message with the wrong length, an unknown
	// type or non-zero reserved bytes.
	ErrInvalidMessage Error = iota + 1

	// ErrAuthentication reports an AEAD authentication failure: a tampered,
	// forged or misdirected message, or a wrong preshared key.
	ErrAuthentication

	// ErrUnknownPeer reports an initiation whose decrypted static public key
	// belongs to no configured peer.
	ErrUnknownPeer

	// ErrReplay reports an initiation whose timestamp is not strictly after
	// the last one accepted from the same peer.
	ErrReplay

	// ErrFlood reports an initiation that arrived less than
	// HandshakeInitiationRate after the last one accepted from the same peer.
	ErrFlood

	// ErrInvalidState reports a handshake operation that the handshake's
	// current state does not allow, such as a response with no initiation
	// pending.
	ErrInvalidState

	// ErrIndexMismatch reports a message whose receiver index is not the
	// local index of the handshake or keypair it was given to.
	ErrIndexMismatch

	// ErrLowOrderPoint reports a Diffie-Hellman computation with a
	// low-order public key, whose shared secret is all zeros.
	ErrLowOrderPoint

	// ErrNoIdentity reports a handshake attempted without a local static
	// identity.
	ErrNoIdentity

	// ErrCounterLimit reports a transport counter at or above
	// RejectAfterMessages: the keypair may no longer be used.
	ErrCounterLimit

	// ErrShortBuffer reports a buffer without room for the transport header
	// in front of the plaintext or for the authentication tag after it.
	ErrShortBuffer
)

var errorText = [...]string{
	ErrInvalidMessage: "invalid message",
	ErrAuthentication: "message authentication failed",
	ErrUnknownPeer:    "unknown peer",
	ErrReplay:         "replayed handshake initiation",
	ErrFlood:          "handshake initiation flood",
	ErrInvalidState:   "unexpected handshake state",
	ErrIndexMismatch:  "receiver index mismatch",
	ErrLowOrderPoint:  "low-order public key",
	ErrNoIdentity:     "no local static identity",
	ErrCounterLimit:   "transport counter limit reached",
	ErrShortBuffer:    "buffer too short",
}

// Error returns the class's text.
func (e Error) Error() string { return enum.Name(errorText[:], e, "noise error %d") }
