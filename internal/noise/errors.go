// SPDX-License-Identifier: BSD-2-Clause

package noise

import "errors"

// The sentinel errors below classify failures for the engine. Errors
// returned by this package wrap exactly one of them with context; test with
// errors.Is. No error text contains key material.
var (
	// ErrInvalidMessage reports a message with the wrong length, an unknown
	// type or non-zero reserved bytes.
	ErrInvalidMessage = errors.New("invalid message")

	// ErrAuthentication reports an AEAD authentication failure: a tampered,
	// forged or misdirected message, or a wrong preshared key.
	ErrAuthentication = errors.New("message authentication failed")

	// ErrUnknownPeer reports an initiation whose decrypted static public key
	// belongs to no configured peer.
	ErrUnknownPeer = errors.New("unknown peer")

	// ErrReplay reports an initiation whose timestamp is not strictly after
	// the last one accepted from the same peer.
	ErrReplay = errors.New("replayed handshake initiation")

	// ErrFlood reports an initiation that arrived less than
	// HandshakeInitiationRate after the last one accepted from the same peer.
	ErrFlood = errors.New("handshake initiation flood")

	// ErrInvalidState reports a handshake operation that the handshake's
	// current state does not allow, such as a response with no initiation
	// pending.
	ErrInvalidState = errors.New("unexpected handshake state")

	// ErrIndexMismatch reports a message whose receiver index is not the
	// local index of the handshake or keypair it was given to.
	ErrIndexMismatch = errors.New("receiver index mismatch")

	// ErrLowOrderPoint reports a Diffie-Hellman computation with a
	// low-order public key, whose shared secret is all zeros.
	ErrLowOrderPoint = errors.New("low-order public key")

	// ErrNoIdentity reports a handshake attempted without a local static
	// identity.
	ErrNoIdentity = errors.New("no local static identity")

	// ErrCounterLimit reports a transport counter at or above
	// RejectAfterMessages: the keypair may no longer be used.
	ErrCounterLimit = errors.New("transport counter limit reached")

	// ErrShortBuffer reports a buffer without room for the transport header
	// in front of the plaintext or for the authentication tag after it.
	ErrShortBuffer = errors.New("buffer too short")
)
