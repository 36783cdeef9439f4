// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
)

// PrivateKey is a Curve25519 private key. Formatting it with any fmt verb
// prints only an abbreviation of the corresponding public key.
type PrivateKey [KeySize]byte

// PublicKey is a Curve25519 public key. Its String form is abbreviated.
type PublicKey [KeySize]byte

// PresharedKey is the optional symmetric key mixed into the handshake; the
// zero value means "no preshared key", which the protocol treats as 32 zero
// bytes. Formatting it with any fmt verb never prints the key.
type PresharedKey [KeySize]byte

// NewPrivateKey returns a fresh random private key, already clamped.
func NewPrivateKey() (PrivateKey, error) {
	return newPrivateKey(rand.Reader)
}

// newPrivateKey reads a private key from r and clamps it.
func newPrivateKey(r io.Reader) (PrivateKey, error) {
	var k PrivateKey
	if _, err := io.ReadFull(r, k[:]); err != nil {
		return PrivateKey{}, fmt.Errorf("generate private key: %w", err)
	}
	k.clamp()
	return k, nil
}

// clamp applies the Curve25519 scalar clamping: clear the three low bits
// and the top bit, set the second-highest bit.
func (k *PrivateKey) clamp() {
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
}

// PublicKey returns the public key of k. The scalar multiplication clamps a
// copy of k, so an unclamped key gives the same result as its clamped form.
func (k PrivateKey) PublicKey() PublicKey {
	var pub PublicKey
	if key, err := k.ecdhKey(); err == nil {
		copy(pub[:], key.PublicKey().Bytes())
	}
	return pub
}

// ecdhKey returns k in crypto/ecdh's form, for dh. Making it computes the
// public key, one scalar multiplication; each Diffie-Hellman with it is
// then one more. (golang.org/x/crypto/curve25519.X25519 makes such a key
// for every call, so that each of its calls costs two.) It fails only in
// FIPS 140-only mode, which forbids X25519.
func (k *PrivateKey) ecdhKey() (*ecdh.PrivateKey, error) {
	key, err := ecdh.X25519().NewPrivateKey(k[:])
	if err != nil {
		return nil, fmt.Errorf("x25519 key: %w", err)
	}
	return key, nil
}

// IsZero reports whether k is all zeros (no key set). It runs in constant
// time.
func (k PrivateKey) IsZero() bool {
	return isZero(k[:])
}

// Format prints an abbreviation of the public key of k, never k itself, for
// every fmt verb.
func (k PrivateKey) Format(f fmt.State, _ rune) {
	if k.IsZero() {
		_, _ = io.WriteString(f, "private(none)")
		return
	}
	_, _ = io.WriteString(f, "private("+k.PublicKey().String()+")")
}

// String returns the first and last four base64 characters of k, joined by
// an ellipsis, as peers are named in logs.
func (k PublicKey) String() string {
	s := base64.StdEncoding.EncodeToString(k[:])
	return s[:4] + "…" + s[39:43]
}

// IsZero reports whether k is all zeros. It runs in constant time.
func (k PublicKey) IsZero() bool {
	return isZero(k[:])
}

// Equal reports whether k and o are the same key, in constant time.
func (k PublicKey) Equal(o PublicKey) bool {
	return subtle.ConstantTimeCompare(k[:], o[:]) == 1
}

// IsZero reports whether k is all zeros (no preshared key). It runs in
// constant time.
func (k PresharedKey) IsZero() bool {
	return isZero(k[:])
}

// Format prints whether a preshared key is set, never the key, for every
// fmt verb.
func (k PresharedKey) Format(f fmt.State, _ rune) {
	if k.IsZero() {
		_, _ = io.WriteString(f, "psk(none)")
		return
	}
	_, _ = io.WriteString(f, "psk(set)")
}

// isZero reports whether b is all zeros without branching on its content.
func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return subtle.ConstantTimeByteEq(acc, 0) == 1
}

// StaticIdentity is the local static keypair, with the first handshake hash
// that depends only on it precomputed. It is immutable and safe for
// concurrent use; to change the private key, create a new StaticIdentity and
// hand it to every Handshake with SetStaticIdentity.
type StaticIdentity struct {
	private PrivateKey
	public  PublicKey
	// key is private in crypto/ecdh's form, for dh.
	key *ecdh.PrivateKey

	// initialHash is HASH(HASH(HASH(Construction) || Identifier) || public),
	// the hash with which a responder starts consuming an initiation.
	initialHash [blake2sSize]byte
}

// NewStaticIdentity returns the identity of private, which is clamped. It
// fails if private is all zeros.
func NewStaticIdentity(private PrivateKey) (*StaticIdentity, error) {
	if private.IsZero() {
		return nil, fmt.Errorf("new static identity: %w", ErrNoIdentity)
	}
	id := &StaticIdentity{private: private}
	id.private.clamp()
	key, err := id.private.ecdhKey()
	if err != nil {
		return nil, fmt.Errorf("new static identity: %w", err)
	}
	id.key = key
	copy(id.public[:], key.PublicKey().Bytes())
	id.initialHash = initialHash
	mixHash(&id.initialHash, id.public[:])
	return id, nil
}

// PublicKey returns the identity's public key.
func (id *StaticIdentity) PublicKey() PublicKey {
	return id.public
}

// Format prints an abbreviation of the identity's public key, never the
// private key, for every fmt verb.
func (id StaticIdentity) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "identity("+id.public.String()+")")
}
