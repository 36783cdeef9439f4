// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"golang.org/x/crypto/curve25519"
)

// KeyLen is the length in bytes of a WireGuard key.
const KeyLen = 32

// KeyTextLen is the length of a key's base64 text: 43 characters and "=".
const KeyTextLen = 44

// Key is a WireGuard key: a Curve25519 private or public key, or a
// preshared key.
type Key [KeyLen]byte

// ErrKeyFormat reports a key text that is not 44 characters of canonical
// standard base64 encoding exactly 32 bytes.
var ErrKeyFormat = errors.New("key is not the correct length or format")

// ParseKey parses the base64 text of a key exactly as wg(8) accepts it: 43
// characters of the standard alphabet followed by "=", the last of them
// encoding two zero bits. Whitespace, the URL-safe alphabet and missing
// padding are rejected. Decoding runs in constant time with respect to the
// key's value.
func ParseKey(s string) (Key, error) {
	var k Key
	if len(s) != KeyTextLen || s[KeyTextLen-1] != '=' {
		return Key{}, ErrKeyFormat
	}
	bad := 0
	for i := 0; i < 10; i++ {
		v := decodeQuad(s[i*4], s[i*4+1], s[i*4+2], s[i*4+3])
		bad |= v >> 31
		k[i*3] = byte(v >> 16)
		k[i*3+1] = byte(v >> 8)
		k[i*3+2] = byte(v)
	}
	v := decodeQuad(s[40], s[41], s[42], 'A')
	bad |= v>>31 | v&0xff
	k[30] = byte(v >> 16)
	k[31] = byte(v >> 8)
	if bad != 0 {
		return Key{}, ErrKeyFormat
	}
	return k, nil
}

// decodeQuad decodes four base64 characters into 24 bits; the result has
// bit 31 set when any character is outside the standard alphabet.
func decodeQuad(a, b, c, d byte) int {
	return decode6(a)<<18 | decode6(b)<<12 | decode6(c)<<6 | decode6(d)
}

// decode6 maps one base64 character to its 6-bit value, or to -1 (all bits
// set) when it is not in the standard alphabet. It has no branches on the
// character's value.
func decode6(ch byte) int {
	c := int(ch)
	ret := -1
	ret += (((0x40 - c) & (c - 0x5b)) >> 8) & (c - 64) // A-Z -> 1..26
	ret += (((0x60 - c) & (c - 0x7b)) >> 8) & (c - 70) // a-z -> 27..52
	ret += (((0x2f - c) & (c - 0x3a)) >> 8) & (c + 5)  // 0-9 -> 53..62
	ret += (((0x2a - c) & (c - 0x2c)) >> 8) & 63       // +   -> 63
	ret += (((0x2e - c) & (c - 0x30)) >> 8) & 64       // /   -> 64
	return ret
}

// String returns the key's base64 text, as wg(8) prints it.
func (k Key) String() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out [KeyTextLen]byte
	for i := 0; i < 10; i++ {
		v := uint(k[i*3])<<16 | uint(k[i*3+1])<<8 | uint(k[i*3+2])
		out[i*4] = alphabet[v>>18&63]
		out[i*4+1] = alphabet[v>>12&63]
		out[i*4+2] = alphabet[v>>6&63]
		out[i*4+3] = alphabet[v&63]
	}
	v := uint(k[30])<<16 | uint(k[31])<<8
	out[40] = alphabet[v>>18&63]
	out[41] = alphabet[v>>12&63]
	out[42] = alphabet[v>>6&63]
	out[43] = '='
	return string(out[:])
}

// ParseHexKey parses the 64-character lower- or upper-case hexadecimal form
// of a key used by the UAPI text protocol.
func ParseHexKey(s string) (Key, error) {
	if len(s) != 2*KeyLen {
		return Key{}, fmt.Errorf("hex key has %d characters, want %d", len(s), 2*KeyLen)
	}
	k, ok := parseHexKey(s)
	if !ok {
		return Key{}, errors.New("invalid hex key: not a hexadecimal digit")
	}
	return k, nil
}

// parseHexKey is ParseHexKey without an error value or an allocation.
func parseHexKey(s string) (Key, bool) {
	var k Key
	if len(s) != 2*KeyLen {
		return k, false
	}
	bad := byte(0)
	for i := range k {
		hi, lo := hexNibble(s[2*i]), hexNibble(s[2*i+1])
		bad |= hi | lo
		k[i] = hi<<4 | lo&0x0f
	}
	return k, bad&0xf0 == 0
}

// hexNibble returns the value of a hexadecimal digit, or 0xff.
func hexNibble(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// Hex returns the 64-character lower-case hexadecimal form of the key, as
// the UAPI text protocol carries it.
func (k Key) Hex() string {
	return hex.EncodeToString(k[:])
}

// IsZero reports whether every byte of the key is zero, which on the wire
// means "no key" (a cleared private or preshared key). It runs in constant
// time.
func (k Key) IsZero() bool {
	var zero Key
	return subtle.ConstantTimeCompare(k[:], zero[:]) == 1
}

// Equal reports whether two keys are the same, in constant time.
func (k Key) Equal(o Key) bool {
	return subtle.ConstantTimeCompare(k[:], o[:]) == 1
}

// Clamped returns the key clamped as a Curve25519 private scalar: the low
// three bits of the first byte cleared, the top bit of the last byte
// cleared and the one below it set.
func (k Key) Clamped() Key {
	k[0] &= 248
	k[31] = k[31]&127 | 64
	return k
}

// PublicKey returns the Curve25519 public key of the private key k. The
// scalar is clamped first, so an unclamped or all-zero private key gives
// the same result as wg(8)'s pubkey.
func (k Key) PublicKey() Key {
	c := k.Clamped()
	out, err := curve25519.X25519(c[:], curve25519.Basepoint)
	if err != nil {
		// X25519 only fails for low-order input points; the base point
		// is not one.
		panic("ifwg: X25519 with the base point failed: " + err.Error())
	}
	var pub Key
	copy(pub[:], out)
	return pub
}

// GeneratePresharedKey returns 32 random bytes from the system's secure
// random source, as wg genpsk does.
func GeneratePresharedKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return Key{}, fmt.Errorf("failed to read random bytes: %w", err)
	}
	return k, nil
}

// GeneratePrivateKey returns a new random private key, clamped as wg
// genkey does.
func GeneratePrivateKey() (Key, error) {
	k, err := GeneratePresharedKey()
	if err != nil {
		return Key{}, err
	}
	return k.Clamped(), nil
}
