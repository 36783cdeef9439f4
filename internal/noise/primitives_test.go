// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"testing"

	"golang.org/x/crypto/blake2s"
	"golang.org/x/crypto/curve25519"
)

// TestBLAKE2sVector anchors the hash primitive to the BLAKE2s-256 example
// of RFC 7693, appendix B.
func TestBLAKE2sVector(t *testing.T) {
	sum := blake2s.Sum256([]byte("abc"))
	const want = "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("BLAKE2s-256(abc) = %s, want %s", got, want)
	}
}

// TestInitialValues recomputes the initial chaining key and hash from the
// protocol names with the hash primitive alone.
func TestInitialValues(t *testing.T) {
	d, _ := blake2s.New256(nil)
	d.Write([]byte("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"))
	ck := d.Sum(nil)
	if !bytes.Equal(ck, initialChainKey[:]) {
		t.Fatalf("initial chaining key %x, want %x", initialChainKey, ck)
	}
	d.Reset()
	d.Write(ck)
	d.Write([]byte("WireGuard v1 zx2c4 Jason@zx2c4.com"))
	h := d.Sum(nil)
	if !bytes.Equal(h, initialHash[:]) {
		t.Fatalf("initial hash %x, want %x", initialHash, h)
	}

	id := mustIdentity(t)
	pub := id.PublicKey()
	d.Reset()
	d.Write(h)
	d.Write(pub[:])
	if !bytes.Equal(d.Sum(nil), id.initialHash[:]) {
		t.Fatal("identity's precomputed hash is not HASH(initial hash || public key)")
	}
}

// refHMAC is HMAC-BLAKE2s written out from RFC 2104, independent of
// crypto/hmac: H((K ^ opad) || H((K ^ ipad) || m)) with a 64-byte block.
func refHMAC(key, msg []byte) []byte {
	var k [64]byte
	copy(k[:], key) // keys here are at most 32 bytes
	var ipad, opad [64]byte
	for i := range k {
		ipad[i] = k[i] ^ 0x36
		opad[i] = k[i] ^ 0x5c
	}
	inner := blake2s.Sum256(append(ipad[:], msg...))
	outer := blake2s.Sum256(append(opad[:], inner[:]...))
	return outer[:]
}

func TestKDF(t *testing.T) {
	ck := [32]byte{1, 2, 3}
	input := []byte("some input keying material")

	t0 := refHMAC(ck[:], input)
	t1 := refHMAC(t0, []byte{1})
	t2 := refHMAC(t0, append(bytes.Clone(t1), 2))
	t3 := refHMAC(t0, append(bytes.Clone(t2), 3))

	var a, b, c [32]byte
	kdf(&ck, input, &a, &b, &c)
	if !bytes.Equal(a[:], t1) || !bytes.Equal(b[:], t2) || !bytes.Equal(c[:], t3) {
		t.Fatal("KDF3 does not match its definition")
	}
	var a1 [32]byte
	kdf(&ck, input, &a1)
	if a1 != a {
		t.Fatal("KDF1 is not the first output of KDF3")
	}
	// Output aliasing the chaining key.
	alias := ck
	kdf(&alias, input, &alias, &b)
	if !bytes.Equal(alias[:], t1) || !bytes.Equal(b[:], t2) {
		t.Fatal("KDF with the chaining key as output is wrong")
	}
	// KDF2 with an empty input, as for the transport keys.
	e0 := refHMAC(ck[:], nil)
	e1 := refHMAC(e0, []byte{1})
	kdf(&ck, nil, &a)
	if !bytes.Equal(a[:], e1) {
		t.Fatal("KDF of empty input wrong")
	}
}

func TestMixHash(t *testing.T) {
	h := [32]byte{9}
	want := blake2s.Sum256(append(bytes.Clone(h[:]), "data"...))
	mixHash(&h, []byte("data"))
	if h != want {
		t.Fatal("mixHash is not HASH(h || data)")
	}
}

func TestDH(t *testing.T) {
	a := mustIdentity(t)
	b := mustIdentity(t)
	bPub, aPub := b.PublicKey(), a.PublicKey()
	ab, err := dh(a.key, &bPub)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := dh(b.key, &aPub)
	if err != nil || ab != ba {
		t.Fatal("DH is not symmetric")
	}
	// dh works on crypto/ecdh's form of the key; the secret is X25519's.
	if want, _ := curve25519.X25519(a.private[:], bPub[:]); !bytes.Equal(ab[:], want) {
		t.Fatal("dh differs from X25519")
	}
	if _, err := dh(a.key, &PublicKey{}); !errors.Is(err, ErrLowOrderPoint) {
		t.Fatalf("zero point: %v", err)
	}
}

func TestPublicKeyDerivation(t *testing.T) {
	k, _ := NewPrivateKey()
	if k[0]&7 != 0 || k[31]&0x80 != 0 || k[31]&0x40 == 0 {
		t.Fatalf("NewPrivateKey not clamped: %x..%x", k[0], k[31])
	}
	want, _ := curve25519.X25519(k[:], curve25519.Basepoint)
	if pub := k.PublicKey(); !bytes.Equal(pub[:], want) {
		t.Fatal("PublicKey differs from X25519 with the base point")
	}
	// The identity clamps an unclamped key and derives the same public key.
	raw := k
	raw[0] |= 7
	raw[31] |= 0x80
	id, err := NewStaticIdentity(raw)
	if err != nil {
		t.Fatal(err)
	}
	if id.private != k || id.PublicKey() != k.PublicKey() {
		t.Fatal("identity does not clamp its private key")
	}
}

// TestHMACMatchesCryptoHMAC holds hmacInto, which hashes parts that fit
// in a block on the stack, to crypto/hmac over BLAKE2s for every length
// up to past two blocks, split in two parts, and mixHash to HASH(h ||
// data) likewise.
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	var key [blake2sSize]byte
	for i := range key {
		key[i] = byte(7 * i)
	}
	data := make([]byte, 2*blake2s.BlockSize+3)
	for i := range data {
		data[i] = byte(i)
	}
	for n := 0; n <= len(data); n++ {
		msg := data[:n]
		m := hmac.New(newHash, key[:])
		m.Write(msg)
		want := m.Sum(nil)
		var got [blake2sSize]byte
		hmacInto(&got, &key, msg[:n/2], msg[n/2:])
		if !bytes.Equal(got[:], want) {
			t.Fatalf("hmacInto of %d bytes differs from crypto/hmac", n)
		}
		alias := key
		hmacInto(&alias, &alias, msg)
		if alias != got {
			t.Fatalf("hmacInto of %d bytes with out aliasing key differs", n)
		}

		h := key
		mixHash(&h, msg)
		if sum := blake2s.Sum256(append(key[:], msg...)); h != sum {
			t.Fatalf("mixHash of %d bytes is not HASH(h || data)", n)
		}
	}
}
