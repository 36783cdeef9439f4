// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
)

// zeroKeyPublic is the public key FreeBSD's kernel derives from an
// all-zero private key: the clamped scalar 2^254 times the base point.
const zeroKeyPublic = "L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q="

// TestDeviceEngineZeroPrivateKey pins what an all-zero private key does
// to the engine, as the kernel does it. `wg set wg0 private-key
// /dev/null` sends one, and so does `wg setconf` with a file without
// PrivateKey (wg(8) sets private-key for every setconf). if_wg does not
// treat it as "no key": wgc_set (sys/dev/wg/if_wg.c) hands it to
//
//	noise_local_private(sc->sc_local, key);
//
// which (sys/dev/wg/wg_noise.c) clamps it and derives an identity from it:
//
//	curve25519_clamp_secret(l->l_private);
//	l->l_has_identity = curve25519_generate_public(l->l_public, l->l_private);
//
// and the zero scalar clamps to 2^254, whose public key is not zero, so
// has_identity is true. wgc_get then reports "public-key" and, to a
// privileged caller, the clamped "private-key"; wg_peer_add silently
// ignores a peer with that public key ("Silently ignored; not actually a
// failure."), and wgc_set's "Peer conflict: remove conflicting peer"
// destroys one that existed.
//
// Over UAPI the reply follows wireguard-go instead, whose get prints
// private_key only "if !device.staticIdentity.privateKey.IsZero()": the
// zero key reads back as no key.
func TestDeviceEngineZeroPrivateKey(t *testing.T) {
	wantPub, err := ifwg.ParseKey(zeroKeyPublic)
	if err != nil {
		t.Fatal(err)
	}
	var zero ifwg.Key
	if zero.PublicKey() != wantPub {
		t.Fatalf("public key of the zero key %v, want %s", zero.PublicKey(), zeroKeyPublic)
	}
	clampedZero := zero.Clamped()

	for _, tc := range []struct {
		name string
		req  func(t *testing.T) []byte
	}{
		// wg set wg0 private-key /dev/null peer <L+V9...> peer <1>
		{"wg set private-key /dev/null", func(t *testing.T) []byte {
			return pack(t, nv(t, ifwg.NVPrivateKey, zero, ifwg.NVPeers, peers(
				nv(t, ifwg.NVPublicKey, wantPub),
				nv(t, ifwg.NVPublicKey, key(1)))))
		}},
		// wg setconf wg0 with [Peer] sections only: replace-peers,
		// private-key, listen-port and user-cookie all sent.
		{"wg setconf without PrivateKey", func(t *testing.T) []byte {
			return pack(t, nv(t, ifwg.NVReplacePeers, true, ifwg.NVPrivateKey, zero,
				ifwg.NVListenPort, 0, ifwg.NVUserCookie, 0, ifwg.NVPeers, peers(
					nv(t, ifwg.NVPublicKey, key(1)),
					nv(t, ifwg.NVPublicKey, wantPub))))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDevice(t, 0)
			s := newTestServer(t, DeviceEngine(d))
			n := newNVClient(t, s, true)
			// A peer holding the key the zero key derives is destroyed by
			// the change of key.
			if en := n.set(nv(t, ifwg.NVPrivateKey, key(0x42), ifwg.NVPeers, peers(nv(t, ifwg.NVPublicKey, wantPub)))); en != 0 {
				t.Fatalf("first SET: %v", en)
			}
			if got := n.device(); len(got.Peers) != 1 || got.Peers[0].PublicKey != wantPub {
				t.Fatalf("peers %v, want the zero key's public key", peerKeys(got))
			}

			if en, _ := n.roundTrip(ifwg.ControlSet, tc.req(t)); en != 0 {
				t.Fatalf("SET: %v", en)
			}
			got := n.device()
			if got.PublicKey == nil || *got.PublicKey != wantPub {
				t.Fatalf("public key %v, want %s", got.PublicKey, zeroKeyPublic)
			}
			if got.PrivateKey == nil || *got.PrivateKey != clampedZero {
				t.Fatalf("private key %v, want the clamped zero key", got.PrivateKey)
			}
			// The peer with our own key is gone and a new one is ignored.
			wantPeers(t, got, 1)

			// An unprivileged GET: the public key, no private key.
			u := newNVClient(t, s, false).device()
			if u.PublicKey == nil || *u.PublicKey != wantPub || u.PrivateKey != nil {
				t.Fatalf("unprivileged GET: public %v private %v", u.PublicKey, u.PrivateKey)
			}

			// UAPI, as wireguard-go: no private_key line for the zero key.
			reply := newUAPIClient(t, s, true).do("get=1\n\n")
			if strings.Contains(reply, "private_key=") {
				t.Fatalf("UAPI get reply shows the zero key:\n%s", reply)
			}
			if !strings.Contains(reply, "public_key="+key(1).Hex()) || !strings.HasSuffix(reply, "errno=0\n\n") {
				t.Fatalf("UAPI get reply:\n%s", reply)
			}
			// Only the reply differs: the identity is the same whichever
			// protocol set the key, so a UAPI peer of that key is ignored.
			set := "set=1\nprivate_key=" + zero.Hex() + "\npublic_key=" + wantPub.Hex() + "\n\n"
			if got := newUAPIClient(t, s, true).do(set); got != "errno=0\n\n" {
				t.Fatalf("UAPI set: %q", got)
			}
			if got := n.device(); got.PublicKey == nil || *got.PublicKey != wantPub {
				t.Fatalf("after the UAPI set: public key %v", got.PublicKey)
			}
			wantPeers(t, n.device(), 1)
		})
	}
}

// pack packs l for a raw request.
func pack(t *testing.T, l interface{ Pack() ([]byte, error) }) []byte {
	t.Helper()
	b, err := l.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
