// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// fakeEngine is an in-memory Engine with if_wg's configuration semantics:
// peers in creation order, allowed IPs newest first and moved between
// peers, the private key clamped and a peer with the new public key
// destroyed.
type fakeEngine struct {
	mu sync.Mutex

	priv   ifwg.Key
	hasID  bool
	port   uint16
	cookie uint32
	peers  []*fakePeer

	maxPeers   int             // 0: no limit
	busyPorts  map[uint16]bool // SetListenPort fails with EADDRINUSE
	cookieErr  error           // SetUserCookie's error
	aipErr     error           // AddAllowedIP's error
	closed     bool            // Configure fails
	configures int             // Configure calls
	portSets   int             // SetListenPort calls
	calls      []string        // the Tx calls, in order
}

// fakePeer is one peer of a fakeEngine.
type fakePeer struct {
	pub, psk  ifwg.Key
	ep        netip.AddrPort
	keepalive uint16
	aips      []netip.Prefix
	rx, tx    uint64
	handshake time.Time
}

// errClosed is Configure's error on a closed engine.
var errClosed = errors.New("fake engine closed")

func newFakeEngine() *fakeEngine { return &fakeEngine{busyPorts: map[uint16]bool{}} }

// Configure runs fn under the lock.
func (e *fakeEngine) Configure(fn func(tx Tx) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.configures++
	if e.closed {
		return errClosed
	}
	return fn(fakeTx{e})
}

// Snapshot returns a deep copy of the state.
func (e *fakeEngine) Snapshot() *ifwg.Device {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := &ifwg.Device{ListenPort: e.port, FwMark: e.cookie}
	if e.hasID {
		priv, pub := e.priv, e.priv.PublicKey()
		d.PrivateKey, d.PublicKey = &priv, &pub
	}
	for _, p := range e.peers {
		psk := p.psk
		ep, _ := ifwg.EndpointFromAddrPort(p.ep)
		d.Peers = append(d.Peers, ifwg.Peer{
			PublicKey:           p.pub,
			PresharedKey:        &psk,
			Endpoint:            ep,
			LastHandshake:       ifwg.TimespecOf(p.handshake),
			PersistentKeepalive: p.keepalive,
			RxBytes:             p.rx,
			TxBytes:             p.tx,
			AllowedIPs:          slices.Clone(p.aips),
		})
	}
	return d
}

// peer returns the peer with that key, or nil.
func (e *fakeEngine) peer(pub ifwg.Key) *fakePeer {
	for _, p := range e.peers {
		if p.pub == pub {
			return p
		}
	}
	return nil
}

// removePeer deletes the peer with that key.
func (e *fakeEngine) removePeer(pub ifwg.Key) {
	e.peers = slices.DeleteFunc(e.peers, func(p *fakePeer) bool { return p.pub == pub })
}

// fakeTx is the Tx of a fakeEngine.
type fakeTx struct{ e *fakeEngine }

func (t fakeTx) log(format string, args ...any) {
	t.e.calls = append(t.e.calls, fmt.Sprintf(format, args...))
}

func (t fakeTx) ReplacePeers() {
	t.log("ReplacePeers")
	t.e.peers = nil
}

func (t fakeTx) ListenPort() uint16 { return t.e.port }

func (t fakeTx) SetListenPort(port uint16) error {
	t.log("SetListenPort %d", port)
	t.e.portSets++
	if t.e.busyPorts[port] {
		return fmt.Errorf("listen udp :%d: %w", port, syscall.EADDRINUSE)
	}
	if port == 0 {
		// The system chooses a port, a new one each time.
		port = 49152 + uint16(t.e.portSets)
	}
	t.e.port = port
	return nil
}

func (t fakeTx) SetPrivateKey(key [32]byte) {
	t.log("SetPrivateKey")
	// As in wgc_set, the key is compared with the stored clamped key
	// before it is clamped; every key, the zero key included, is
	// clamped into an identity.
	if t.e.hasID && ifwg.Key(key) == t.e.priv {
		return
	}
	k := ifwg.Key(key).Clamped()
	t.e.priv, t.e.hasID = k, true
	t.e.removePeer(k.PublicKey())
}

func (t fakeTx) PublicKey() ([32]byte, bool) {
	if !t.e.hasID {
		return [32]byte{}, false
	}
	return t.e.priv.PublicKey(), true
}

func (t fakeTx) SetUserCookie(cookie uint32) error {
	t.log("SetUserCookie %d", cookie)
	if t.e.cookieErr != nil {
		return t.e.cookieErr
	}
	t.e.cookie = cookie
	return nil
}

func (t fakeTx) Peer(pub [32]byte) PeerTx {
	if p := t.e.peer(pub); p != nil {
		return fakePeerTx{t.e, p}
	}
	return nil
}

func (t fakeTx) CreatePeer(pub [32]byte) (PeerTx, error) {
	t.log("CreatePeer %s", peerName(pub))
	if t.e.maxPeers > 0 && len(t.e.peers) >= t.e.maxPeers {
		return nil, fmt.Errorf("too many peers: %w", syscall.ENOSPC)
	}
	p := &fakePeer{pub: pub}
	t.e.peers = append(t.e.peers, p)
	return fakePeerTx{t.e, p}, nil
}

func (t fakeTx) RemovePeer(pub [32]byte) {
	t.log("RemovePeer %s", peerName(pub))
	t.e.removePeer(pub)
}

// fakePeerTx is the PeerTx of a fakeEngine.
type fakePeerTx struct {
	e *fakeEngine
	p *fakePeer
}

func (t fakePeerTx) SetEndpoint(ep netip.AddrPort)         { t.p.ep = ep }
func (t fakePeerTx) SetPresharedKey(key [32]byte)          { t.p.psk = key }
func (t fakePeerTx) SetPersistentKeepalive(seconds uint16) { t.p.keepalive = seconds }
func (t fakePeerTx) RemoveAllowedIPs()                     { t.p.aips = nil }
func (t fakePeerTx) Destroy()                              { fakeTx{t.e}.RemovePeer(t.p.pub) }

func (t fakePeerTx) AddAllowedIP(prefix netip.Prefix) error {
	if t.e.aipErr != nil {
		return t.e.aipErr
	}
	if prefix != prefix.Masked() {
		return fmt.Errorf("unmasked prefix %v", prefix)
	}
	if slices.Contains(t.p.aips, prefix) {
		return nil
	}
	for _, o := range t.e.peers {
		o.aips = slices.DeleteFunc(o.aips, func(a netip.Prefix) bool { return a == prefix })
	}
	t.p.aips = append([]netip.Prefix{prefix}, t.p.aips...)
	return nil
}

func (t fakePeerTx) RemoveAllowedIP(prefix netip.Prefix) {
	t.p.aips = slices.DeleteFunc(t.p.aips, func(a netip.Prefix) bool { return a == prefix })
}

// TestFakeEngineRepeatedKey pins that the fake decides as the engine does,
// and both as if_wg does, whether a private key is a change: the new key
// is compared with the stored, clamped one before it is clamped. wgc_set
// (sys/dev/wg/if_wg.c):
//
//	if (noise_local_keys(sc->sc_local, NULL, private) != 0 ||
//	    timingsafe_bcmp(private, key, WG_KEY_SIZE) != 0) {
//
// So sending the same unclamped key again, the all-zero key of every
// `wg setconf` without PrivateKey included, changes the key each time,
// and the change destroys the peer that holds the key's public key
// ("Peer conflict: remove conflicting peer"). A clamped key sent again
// changes nothing.
func TestFakeEngineRepeatedKey(t *testing.T) {
	unclamped := key(0x47)
	for _, tc := range []struct {
		name       string
		key        ifwg.Key
		peerRemain bool
	}{
		{"clamped", unclamped.Clamped(), true},
		{"unclamped", unclamped, false},
		{"zero", ifwg.Key{}, false},
	} {
		for _, eng := range []struct {
			name string
			new  func(t *testing.T) Engine
		}{
			{"fake", func(*testing.T) Engine { return newFakeEngine() }},
			{"device", func(t *testing.T) Engine { return DeviceEngine(newDevice(t, 0)) }},
		} {
			t.Run(tc.name+"/"+eng.name, func(t *testing.T) {
				e := eng.new(t)
				err := e.Configure(func(tx Tx) error {
					tx.SetPrivateKey(tc.key)
					_, err := tx.CreatePeer(tc.key.PublicKey())
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := e.Configure(func(tx Tx) error { tx.SetPrivateKey(tc.key); return nil }); err != nil {
					t.Fatal(err)
				}
				d := e.Snapshot()
				if remain := len(d.Peers) == 1; remain != tc.peerRemain {
					t.Fatalf("peer of the key's public key kept: %v, want %v (the second key is a change: %v)",
						remain, tc.peerRemain, !tc.peerRemain)
				}
				if d.PrivateKey == nil || *d.PrivateKey != tc.key.Clamped() {
					t.Fatalf("private key %v, want the clamped key", d.PrivateKey)
				}
			})
		}
	}
}
