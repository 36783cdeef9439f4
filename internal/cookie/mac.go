// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"time"

	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/wgbsd/wgbsd/internal/enum"
	"github.com/wgbsd/wgbsd/internal/noise"
)

// Labels mixed into the keys derived from a static public key.
const (
	// LabelMAC1 prefixes the public key in the mac1 key.
	LabelMAC1 = "mac1----"

	// LabelCookie prefixes the public key in the cookie encryption key.
	LabelCookie = "cookie--"
)

// Cookie lifetimes.
const (
	// CookieRefreshTime is the age at which a Checker replaces its secret,
	// which invalidates every cookie made with the old one.
	CookieRefreshTime = 120 * time.Second

	// CookieLatency is the margin a Generator keeps against the Checker's
	// refresh, for the time a cookie reply spends in flight.
	CookieLatency = 5 * time.Second

	// CookieUseTime is the age after which a Generator stops using a
	// cookie: CookieRefreshTime − CookieLatency.
	CookieUseTime = CookieRefreshTime - CookieLatency
)

// Error is a class of failure for the engine; returned errors wrap one
// Error with context. Test with errors.Is, or take the class with
// errors.As.
type Error uint8

// The classes of failure.
const (
	// ErrInvalidMAC1 reports a handshake message whose mac1 is wrong: drop
	// it without further work.
	ErrInvalidMAC1 Error = iota + 1

	// ErrInvalidMAC2 reports a handshake message whose mac2 is wrong or
	// absent while under load: answer it with a cookie reply.
	ErrInvalidMAC2

	// ErrNotHandshake reports a message given to a MAC function that is not
	// a well-formed initiation or response.
	ErrNotHandshake

	// ErrUnexpectedCookieReply reports a cookie reply that does not answer
	// the last handshake message stamped by the Generator.
	ErrUnexpectedCookieReply

	// ErrInvalidCookieReply reports a cookie reply that fails
	// authentication.
	ErrInvalidCookieReply
)

var errorText = [...]string{
	ErrInvalidMAC1:           "invalid mac1",
	ErrInvalidMAC2:           "invalid mac2",
	ErrNotHandshake:          "not a handshake message",
	ErrUnexpectedCookieReply: "unexpected cookie reply",
	ErrInvalidCookieReply:    "invalid cookie reply",
}

// Error returns the class's text.
func (e Error) Error() string { return enum.Name(errorText[:], e, "cookie error %d") }

// macOffsets returns the offsets of mac1 and mac2 in the handshake message
// msg, checking that msg is an initiation or a response.
func macOffsets(msg []byte) (mac1, mac2 int, err error) {
	t, err := noise.ParseMessageType(msg)
	if err != nil || (t != noise.MessageInitiationType && t != noise.MessageResponseType) {
		return 0, 0, errNotHandshake
	}
	return len(msg) - 2*noise.MACSize, len(msg) - noise.MACSize, nil
}

var errNotHandshake = fmt.Errorf("mac: %w", ErrNotHandshake)

// mac1Of returns the mac1 that key gives the handshake message msg, and
// the offsets of msg's mac1 and mac2, checking that msg is an initiation
// or a response.
func mac1Of(key *[blake2s.Size]byte, msg []byte) (m1 [noise.MACSize]byte, off1, off2 int, err error) {
	off1, off2, err = macOffsets(msg)
	if err == nil {
		mac(&m1, key[:], msg[:off1])
	}
	return m1, off1, off2, err
}

// senderIndex returns the sender index of a handshake message: both the
// initiation and the response carry it at offset 4.
func senderIndex(msg []byte) uint32 {
	return binary.LittleEndian.Uint32(msg[4:])
}

// labelKey returns HASH(label || public), the key of mac1 or of the cookie
// encryption for the static public key public.
func labelKey(label string, public noise.PublicKey) [blake2s.Size]byte {
	buf := make([]byte, 0, len(label)+len(public))
	buf = append(buf, label...)
	buf = append(buf, public[:]...)
	return blake2s.Sum256(buf)
}

// cookieAEAD returns the XChaCha20-Poly1305 AEAD that encrypts cookies
// for the static public key public, under HASH(LabelCookie || public).
func cookieAEAD(public noise.PublicKey) cipher.AEAD {
	key := labelKey(LabelCookie, public)
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		// The key has the right length by construction.
		panic(err)
	}
	return aead
}

// mac sets out to the keyed BLAKE2s-128 MAC of the concatenated parts.
func mac(out *[noise.MACSize]byte, key []byte, parts ...[]byte) {
	h, err := blake2s.New128(key)
	if err != nil {
		// Keys are 16 or 32 bytes by construction.
		panic(err)
	}
	for _, p := range parts {
		h.Write(p)
	}
	h.Sum(out[:0])
}

// equalMAC compares two MACs in constant time.
func equalMAC(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
