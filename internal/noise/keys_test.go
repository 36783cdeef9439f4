// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// secretForms returns the textual forms in which key bytes could leak.
func secretForms(b []byte) []string {
	return []string{
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b),
		fmt.Sprint([]byte(b)),
		fmt.Sprintf("%#v", []byte(b))[len("[]byte{"):][:20],
	}
}

func TestFormattingHidesSecrets(t *testing.T) {
	ini, resp := newPair(t, PresharedKey{0xaa, 0xbb, 0xcc, 0xdd}, PresharedKey{0xaa, 0xbb, 0xcc, 0xdd})
	if _, err := ini.peer.CreateInitiation(1); err != nil { // chain key, ephemeral set
		t.Fatal(err)
	}
	kpI, _ := handshake(t, ini, resp)
	priv := ini.id.private
	psk := PresharedKey{0xaa, 0xbb, 0xcc, 0xdd}

	var secrets [][]byte
	secrets = append(secrets, priv[:], psk[:])
	values := []any{priv, &priv, psk, &psk, ini.id, *ini.id, ini.peer, kpI}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				for _, form := range secretForms(s) {
					if strings.Contains(out, form) {
						t.Errorf("%T printed with %s leaks a secret: %q", v, verb, out)
					}
				}
			}
		}
	}
	if got := fmt.Sprint(priv); got != "private("+ini.id.PublicKey().String()+")" {
		t.Errorf("private key prints as %q", got)
	}
	if got := fmt.Sprint(psk); got != "psk(set)" {
		t.Errorf("preshared key prints as %q", got)
	}
	if got := fmt.Sprint(PresharedKey{}); got != "psk(none)" {
		t.Errorf("zero preshared key prints as %q", got)
	}
}

func TestPublicKeyString(t *testing.T) {
	var k PublicKey
	for i := range k {
		k[i] = byte(i * 7)
	}
	full := base64.StdEncoding.EncodeToString(k[:])
	want := full[:4] + "…" + full[39:43]
	if got := k.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

func TestPublicKeyEqual(t *testing.T) {
	a := mustIdentity(t).PublicKey()
	b := a
	if !a.Equal(b) {
		t.Fatal("equal keys differ")
	}
	b[31] ^= 1
	if a.Equal(b) {
		t.Fatal("different keys equal")
	}
	if a.IsZero() || !(PublicKey{}).IsZero() {
		t.Fatal("IsZero wrong")
	}
}
