// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"crypto/ecdh"
	"crypto/hmac"
	"fmt"
	"hash"

	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/chacha20poly1305"
)

// blake2sSize is the output length of HASH and HMAC: BLAKE2s-256.
const blake2sSize = blake2s.Size

// initialChainKey is HASH(Construction) and initialHash is
// HASH(initialChainKey || Identifier): the starting values of every
// handshake, the same for all peers.
var (
	initialChainKey [blake2sSize]byte
	initialHash     [blake2sSize]byte
)

func init() {
	initialChainKey = blake2s.Sum256([]byte(Construction))
	initialHash = blake2s.Sum256(append(initialChainKey[:], Identifier...))
}

// zeroNonce is the AEAD nonce of every handshake encryption: each key is
// used once.
var zeroNonce [chacha20poly1305.NonceSize]byte

// newHash returns an unkeyed BLAKE2s-256, the HASH of the paper.
func newHash() hash.Hash {
	h, err := blake2s.New256(nil)
	if err != nil {
		// Unkeyed construction cannot fail.
		panic(err)
	}
	return h
}

// mixHash sets h to HASH(h || data). The data of a handshake (at most a
// block) is hashed from a buffer on the stack, without allocating.
func mixHash(h *[blake2sSize]byte, data []byte) {
	var buf [blake2sSize + blake2s.BlockSize]byte
	if len(data) > blake2s.BlockSize {
		d := newHash()
		d.Write(h[:])
		d.Write(data)
		d.Sum(h[:0])
		return
	}
	copy(buf[:], h[:])
	n := blake2sSize + copy(buf[blake2sSize:], data)
	*h = blake2s.Sum256(buf[:n])
}

// hmacInto sets out to HMAC-BLAKE2s(key, parts...), HASH((key ^ opad) ||
// HASH((key ^ ipad) || parts)) with the key padded to a block. out may
// alias key: the key is read before out is written. When the parts fit
// in a block, as in every KDF of a handshake, both hashes run over a
// buffer on the stack, without the allocations of crypto/hmac.
func hmacInto(out *[blake2sSize]byte, key *[blake2sSize]byte, parts ...[]byte) {
	const block = blake2s.BlockSize
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	if size > block {
		// The parts are joined into a copy: written to crypto/hmac
		// themselves, they would escape, and every caller's parts
		// with them.
		msg := make([]byte, 0, size)
		for _, p := range parts {
			msg = append(msg, p...)
		}
		m := hmac.New(newHash, key[:])
		m.Write(msg)
		m.Sum(out[:0])
		return
	}
	var buf [2 * block]byte
	pad := func(b byte) {
		for i := range block {
			buf[i] = b
		}
		for i, k := range key {
			buf[i] ^= k
		}
	}
	pad(0x36)
	n := block
	for _, p := range parts {
		n += copy(buf[n:], p)
	}
	inner := blake2s.Sum256(buf[:n])
	pad(0x5c)
	n = block + copy(buf[block:], inner[:])
	*out = blake2s.Sum256(buf[:n])
	setZero(buf[:])
	setZero(inner[:])
}

// kdf derives len(outs) keys (one to three) from the chaining key ck and
// input, as KDF_n of the paper:
//
//	τ0 = HMAC(ck, input), τ1 = HMAC(τ0, 0x1), τi = HMAC(τ0, τi−1 || i).
//
// outs may include ck itself, since ck is read only before outputs are
// written.
func kdf(ck *[blake2sSize]byte, input []byte, outs ...*[blake2sSize]byte) {
	var prk, t [blake2sSize]byte
	hmacInto(&prk, ck, input)
	var prev []byte
	for i, out := range outs {
		hmacInto(&t, &prk, prev, []byte{byte(i + 1)})
		*out = t
		prev = t[:]
	}
	setZero(prk[:])
	setZero(t[:])
}

// dh returns the X25519 shared secret of private and public, one scalar
// multiplication. It fails with ErrLowOrderPoint when public is a
// low-order point (the secret is zero).
func dh(private *ecdh.PrivateKey, public *PublicKey) ([KeySize]byte, error) {
	var ss [KeySize]byte
	pub, err := ecdh.X25519().NewPublicKey(public[:])
	if err != nil {
		return ss, fmt.Errorf("x25519 public key: %w", err)
	}
	out, err := private.ECDH(pub)
	if err != nil {
		return ss, ErrLowOrderPoint
	}
	copy(ss[:], out)
	setZero(out)
	return ss, nil
}

// aeadSeal appends to dst the ChaCha20-Poly1305 encryption of plaintext
// under key, with a zero nonce and ad as additional data.
func aeadSeal(dst []byte, key *[KeySize]byte, plaintext, ad []byte) []byte {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		// The key has the right length by construction.
		panic(err)
	}
	return aead.Seal(dst, zeroNonce[:], plaintext, ad)
}

// aeadOpen appends to dst the decryption of ciphertext under key with a
// zero nonce and ad as additional data, or fails with ErrAuthentication.
func aeadOpen(dst []byte, key *[KeySize]byte, ciphertext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		panic(err)
	}
	out, err := aead.Open(dst, zeroNonce[:], ciphertext, ad)
	if err != nil {
		return nil, ErrAuthentication
	}
	return out, nil
}

// setZero overwrites b with zeros.
func setZero(b []byte) {
	clear(b)
}

// errorf wraps one of the package's sentinel errors with context.
func errorf(context string, sentinel error) error {
	return fmt.Errorf("%s: %w", context, sentinel)
}
