// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"
)

// The key table of testdata/README.md: private keys and their public keys.
var testKeyPairs = []struct{ priv, pub string }{
	{"aNLfSD5+WKRc6KYeIq7jDGcfX802+KzbdHRnzDvKlGo=", "EOckQSqdApg8redOFoGxn6fcuffomILIHIU2edoY2Cc="},
	{"MD151OczDAdLhauciFuLG8TRpH33SkPCOZ+d4F3LcG8=", "20qZeb/YlW8TU0FCBXIoH/sIjYt9tQTTR+ET2DQ9+Tw="},
	{"ALJO4x3Ccr6Ju2hjhP3LlRbxQ69hMAKnRFBq2g48n28=", "jySJrA7kXKmQjmh+1C8DjAFDyHc3vzT0G8rNwHWF7lI="},
	{"wFzbf2P7TMR/dbQTH+WjZ8FjaN6eU7C9q93NVETsb08=", "2xcMopGAmQ0GTGWY8nrH/nziAKb8Zk1EJZXet54SdAA="},
}

func TestKeyPublicKey(t *testing.T) {
	for _, kp := range testKeyPairs {
		priv, err := ParseKey(kp.priv)
		if err != nil {
			t.Fatalf("ParseKey(%q): %v", kp.priv, err)
		}
		if got := priv.PublicKey().String(); got != kp.pub {
			t.Errorf("public key of %s = %s, want %s", kp.priv, got, kp.pub)
		}
	}
}

func TestParseKeyRoundTrip(t *testing.T) {
	for i := 0; i < 256; i++ {
		var k Key
		for j := range k {
			k[j] = byte(i*31 + j*7)
		}
		s := k.String()
		if want := base64.StdEncoding.EncodeToString(k[:]); s != want {
			t.Fatalf("String() = %s, want %s", s, want)
		}
		got, err := ParseKey(s)
		if err != nil || got != k {
			t.Fatalf("ParseKey(%s) = %x, %v; want %x", s, got, err, k)
		}
	}
}

func TestParseKeyRejects(t *testing.T) {
	good := testKeyPairs[0].priv
	bad := []string{
		"",
		good[:43],                   // missing padding
		good[:43] + "A",             // padding replaced
		good + "=",                  // too long
		" " + good[:43],             // leading space
		good[:10] + "-" + good[11:], // URL-safe alphabet
		good[:10] + "_" + good[11:],
		good[:10] + "\n" + good[11:],
		good[:42] + "B=", // last character encodes non-zero low bits
		good[:42] + "/=",
		good[:40] + "A===",
	}
	for _, s := range bad {
		if _, err := ParseKey(s); !errors.Is(err, ErrKeyFormat) {
			t.Errorf("ParseKey(%q) error = %v, want ErrKeyFormat", s, err)
		}
	}
	for _, c := range "AEIMQUYcgkosw048" {
		s := good[:42] + string(c) + "="
		if _, err := ParseKey(s); err != nil {
			t.Errorf("ParseKey(%q) = %v, want success", s, err)
		}
	}
}

func TestKeyHex(t *testing.T) {
	k, _ := ParseKey(testKeyPairs[0].pub)
	h := k.Hex()
	if h != "10e724412a9d02983cade74e1681b19fa7dcb9f7e89882c81c853679da18d827" {
		t.Fatalf("Hex() = %s", h)
	}
	back, err := ParseHexKey(h)
	if err != nil || back != k {
		t.Fatalf("ParseHexKey(%s) = %x, %v", h, back, err)
	}
	for _, s := range []string{"", h[:63], h + "0", h[:62] + "zz"} {
		if _, err := ParseHexKey(s); err == nil {
			t.Errorf("ParseHexKey(%q) succeeded", s)
		}
	}
}

func TestGenerateKeys(t *testing.T) {
	a, err := GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	if a != a.Clamped() {
		t.Errorf("generated private key %x is not clamped", a)
	}
	b, _ := GeneratePrivateKey()
	if a == b {
		t.Error("two generated keys are equal")
	}
	p, _ := GeneratePresharedKey()
	q, _ := GeneratePresharedKey()
	if p == q || p.IsZero() {
		t.Error("preshared keys are not random")
	}
}

func TestKeyZeroAndClamp(t *testing.T) {
	var z Key
	if !z.IsZero() {
		t.Error("zero key not IsZero")
	}
	// wg pubkey accepts the zero key: it is clamped inside the scalar
	// multiplication.
	want, _ := hex.DecodeString("2fe57da347cd62431528daac5fbb290730fff684afc4cfc2ed90995f58cb3b74")
	if got := z.PublicKey(); !z.Equal(z) || hex.EncodeToString(got[:]) != hex.EncodeToString(want) {
		t.Errorf("public key of zero key = %x, want %x", got, want)
	}
	c := Key{0xff, 31: 0xff}.Clamped()
	if c[0] != 0xf8 || c[31] != 0x7f {
		t.Errorf("Clamped() = %x", c)
	}
}
