// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"math"
	"time"
)

// Protocol names mixed into the initial chaining key and hash.
const (
	// Construction is the Noise protocol name; its hash is the initial
	// chaining key.
	Construction = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"

	// Identifier is the WireGuard protocol identifier mixed into the
	// initial hash.
	Identifier = "WireGuard v1 zx2c4 Jason@zx2c4.com"
)

// Sizes of keys and cryptographic fields.
const (
	// KeySize is the length of Curve25519 keys, preshared keys and
	// symmetric keys.
	KeySize = 32

	// TagSize is the length of a ChaCha20-Poly1305 authentication tag.
	TagSize = 16

	// MACSize is the length of each of the mac1 and mac2 fields.
	MACSize = 16

	// CookieNonceSize is the length of the XChaCha20-Poly1305 nonce in a
	// cookie reply.
	CookieNonceSize = 24

	// CookieSize is the length of a cookie before encryption.
	CookieSize = 16
)

// Message sizes on the wire.
const (
	// MessageInitiationSize is the exact length of a handshake initiation.
	MessageInitiationSize = 148

	// MessageResponseSize is the exact length of a handshake response.
	MessageResponseSize = 92

	// MessageCookieReplySize is the exact length of a cookie reply.
	MessageCookieReplySize = 64

	// MessageTransportHeaderSize is the length of the transport data header
	// (type, receiver index, counter) that precedes the ciphertext.
	MessageTransportHeaderSize = 16

	// MessageTransportSize is the minimum length of a transport data
	// message: a header and the tag of an empty plaintext (a keepalive).
	MessageTransportSize = MessageTransportHeaderSize + TagSize

	// MessageKeepaliveSize is the length of a keepalive: a transport data
	// message with an empty plaintext.
	MessageKeepaliveSize = MessageTransportSize
)

// Offsets of fields within a transport data message.
const (
	// MessageTransportOffsetReceiver is the offset of the receiver index.
	MessageTransportOffsetReceiver = 4

	// MessageTransportOffsetCounter is the offset of the 64-bit counter.
	MessageTransportOffsetCounter = 8

	// MessageTransportOffsetContent is the offset of the ciphertext, equal
	// to the headroom a buffer needs in front of the plaintext.
	MessageTransportOffsetContent = MessageTransportHeaderSize
)

// Protocol limits that this package enforces.
const (
	// RekeyAfterMessages is the transport counter after which the sender
	// should start a new handshake.
	RekeyAfterMessages = uint64(1) << 60

	// RejectAfterMessages is the first transport counter a keypair refuses
	// to seal or open: 2^64 − 2^13 − 1.
	RejectAfterMessages = math.MaxUint64 - (1 << 13)

	// HandshakeInitiationRate is the minimum interval between two
	// initiations accepted from one peer (the responder's flood guard).
	HandshakeInitiationRate = time.Second / 50

	// PaddingMultiple is the multiple to which transport plaintexts are
	// padded.
	PaddingMultiple = 16
)
