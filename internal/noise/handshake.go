// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"crypto/ecdh"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/wgbsd/wgbsd/internal/tai64n"
)

// HandshakeState is the step a Handshake has reached.
type HandshakeState int

// The states of a Handshake. A handshake returns to HandshakeZeroed when it
// derives a keypair, when it is cleared, and when its keys change.
const (
	// HandshakeZeroed means no handshake is in progress.
	HandshakeZeroed HandshakeState = iota

	// HandshakeInitiationCreated means we sent an initiation and await the
	// response.
	HandshakeInitiationCreated

	// HandshakeInitiationConsumed means we accepted an initiation and may
	// create the response.
	HandshakeInitiationConsumed
)

// String returns a short description of s.
func (s HandshakeState) String() string {
	switch s {
	case HandshakeZeroed:
		return "zeroed"
	case HandshakeInitiationCreated:
		return "initiation created"
	case HandshakeInitiationConsumed:
		return "initiation consumed"
	}
	return fmt.Sprintf("handshake state %d", int(s))
}

// Handshake is the handshake state held for one remote peer, identified by
// its static public key. It is safe for concurrent use.
//
// Besides the state of the handshake in progress, it keeps across
// handshakes the precomputed static-static Diffie-Hellman secret, the
// preshared key, and the timestamp and clock time of the last initiation
// accepted from the peer, which guard against replayed and flooded
// initiations.
type Handshake struct {
	mu    sync.Mutex
	clock func() time.Time
	// rand supplies ephemeral private keys; tests replace it to make
	// messages reproducible.
	rand io.Reader

	local        *StaticIdentity
	remoteStatic PublicKey
	presharedKey PresharedKey
	// staticStatic is DH(local private, remote static), zero and invalid
	// when either key is missing or the remote key has low order.
	staticStatic      [KeySize]byte
	staticStaticValid bool

	state          HandshakeState
	hash           [blake2sSize]byte
	chainKey       [blake2sSize]byte
	localEphemeral PrivateKey
	// localEphemeralKey is localEphemeral in crypto/ecdh's form, for
	// the Diffie-Hellman of the response; nil when localEphemeral is
	// zero.
	localEphemeralKey *ecdh.PrivateKey
	remoteEphemeral   PublicKey
	localIndex        uint32
	remoteIndex       uint32

	lastTimestamp          tai64n.Timestamp
	lastInitiationConsumed time.Time
}

// NewHandshake returns the handshake state for the peer whose static public
// key is remote. local may be nil while the device has no private key; psk
// may be the zero value. clock supplies the current time for timestamps, the
// flood guard and keypair creation times; nil means time.Now.
//
// A remote key of low order is accepted, but every handshake with it then
// fails with ErrLowOrderPoint, so configuration never fails on a key.
func NewHandshake(local *StaticIdentity, remote PublicKey, psk PresharedKey, clock func() time.Time) *Handshake {
	if clock == nil {
		clock = time.Now
	}
	h := &Handshake{clock: clock, remoteStatic: remote, presharedKey: psk}
	h.precompute(local)
	return h
}

// precompute binds h to local and recomputes the static-static secret.
func (h *Handshake) precompute(local *StaticIdentity) {
	h.local = local
	setZero(h.staticStatic[:])
	h.staticStaticValid = false
	if local == nil {
		return
	}
	ss, err := dh(local.key, &h.remoteStatic)
	if err != nil {
		return
	}
	h.staticStatic = ss
	h.staticStaticValid = true
	setZero(ss[:])
}

// SetStaticIdentity binds h to a new local identity (nil for none),
// recomputes the static-static secret and abandons any handshake in
// progress. The replay and flood state is kept.
func (h *Handshake) SetStaticIdentity(local *StaticIdentity) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.precompute(local)
	h.clearLocked()
}

// SetPresharedKey replaces the preshared key; the zero value removes it.
// A handshake in progress completes with the new key.
func (h *Handshake) SetPresharedKey(psk PresharedKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.presharedKey = psk
}

// RemoteStatic returns the peer's static public key.
func (h *Handshake) RemoteStatic() PublicKey {
	return h.remoteStatic
}

// State returns the current handshake state.
func (h *Handshake) State() HandshakeState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// LocalIndex returns the local index of the handshake in progress, or 0
// in HandshakeZeroed.
func (h *Handshake) LocalIndex() uint32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.localIndex
}

// LastInitiationConsumed returns the clock time at which the last
// initiation from this peer was accepted, or the zero time.
func (h *Handshake) LastInitiationConsumed() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastInitiationConsumed
}

// Clear abandons any handshake in progress and overwrites its ephemeral
// keys, chaining key and hash. The replay and flood state is kept, so a
// cleared handshake still rejects old initiations.
func (h *Handshake) Clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clearLocked()
}

// clearLocked is Clear with h.mu held.
func (h *Handshake) clearLocked() {
	setZero(h.hash[:])
	setZero(h.chainKey[:])
	setZero(h.localEphemeral[:])
	h.localEphemeralKey = nil
	setZero(h.remoteEphemeral[:])
	h.localIndex = 0
	h.remoteIndex = 0
	h.state = HandshakeZeroed
}

// newEphemeral returns a fresh ephemeral private key, in both forms.
func (h *Handshake) newEphemeral() (PrivateKey, *ecdh.PrivateKey, error) {
	var (
		k   PrivateKey
		err error
	)
	if h.rand != nil {
		k, err = newPrivateKey(h.rand)
	} else {
		k, err = NewPrivateKey()
	}
	if err != nil {
		return PrivateKey{}, nil, err
	}
	key, err := k.ecdhKey()
	if err != nil {
		setZero(k[:])
		return PrivateKey{}, nil, err
	}
	return k, key, nil
}

// ready checks that h has an identity and a usable static-static secret.
func (h *Handshake) ready() error {
	if h.local == nil {
		return ErrNoIdentity
	}
	if !h.staticStaticValid {
		return ErrLowOrderPoint
	}
	return nil
}

// Format prints the peer's abbreviated public key and the handshake state,
// never key material, for every fmt verb.
func (h *Handshake) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "handshake(%v, %v)", h.remoteStatic, h.State())
}
