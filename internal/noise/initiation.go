// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"github.com/wgbsd/wgbsd/internal/tai64n"
)

// PeerLookup returns the Handshake of the peer whose static public key is
// given, or nil if no such peer is configured. The engine supplies it to
// ConsumeInitiation; it must be safe for concurrent use.
type PeerLookup func(remoteStatic PublicKey) *Handshake

// CreateInitiation starts a handshake as initiator and returns the
// initiation to send, with zero MAC fields for package cookie to fill.
// localIndex is the index the engine allocated for this handshake; the
// response will carry it as its receiver index. Any handshake in progress is
// abandoned. Rate-limiting initiations is the engine's job.
func (h *Handshake) CreateInitiation(localIndex uint32) (*MessageInitiation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return nil, errorf("create initiation", err)
	}
	ephemeral, ephemeralKey, err := h.newEphemeral()
	if err != nil {
		return nil, err
	}
	defer setZero(ephemeral[:])
	msg := &MessageInitiation{Sender: localIndex}
	copy(msg.Ephemeral[:], ephemeralKey.PublicKey().Bytes())

	ck := initialChainKey
	hs := initialHash
	defer setZero(ck[:])
	mixHash(&hs, h.remoteStatic[:])

	// e: the ephemeral public key is sent in clear and mixed in.
	kdf(&ck, msg.Ephemeral[:], &ck)
	mixHash(&hs, msg.Ephemeral[:])

	// es: encrypt our static public key.
	var key [KeySize]byte
	defer setZero(key[:])
	es, err := dh(ephemeralKey, &h.remoteStatic)
	if err != nil {
		return nil, errorf("create initiation", err)
	}
	kdf(&ck, es[:], &ck, &key)
	setZero(es[:])
	aeadSeal(msg.Static[:0], &key, h.local.public[:], hs[:])
	mixHash(&hs, msg.Static[:])

	// ss: encrypt the timestamp.
	kdf(&ck, h.staticStatic[:], &ck, &key)
	ts := tai64n.Stamp(h.clock())
	aeadSeal(msg.Timestamp[:0], &key, ts[:], hs[:])
	mixHash(&hs, msg.Timestamp[:])

	h.clearLocked()
	h.chainKey = ck
	h.hash = hs
	h.localEphemeral = ephemeral
	h.localEphemeralKey = ephemeralKey
	h.localIndex = localIndex
	h.state = HandshakeInitiationCreated
	return msg, nil
}

// ConsumeInitiation processes an initiation received by the identity id,
// which the caller has already checked with package cookie. It decrypts the
// initiator's static public key, asks lookup for that peer's Handshake, and
// accepts the initiation only if its timestamp is strictly after the last
// one accepted from the peer (else ErrReplay) and at least
// HandshakeInitiationRate has passed on the peer's clock since that one
// (else ErrFlood). On success the returned Handshake is in state
// HandshakeInitiationConsumed, ready for CreateResponse. On failure no
// handshake state changes.
func (id *StaticIdentity) ConsumeInitiation(msg *MessageInitiation, lookup PeerLookup) (*Handshake, error) {
	ck := initialChainKey
	hs := id.initialHash
	defer setZero(ck[:])

	// e
	kdf(&ck, msg.Ephemeral[:], &ck)
	mixHash(&hs, msg.Ephemeral[:])

	// es: decrypt the initiator's static public key.
	var key [KeySize]byte
	defer setZero(key[:])
	es, err := dh(id.key, &msg.Ephemeral)
	if err != nil {
		return nil, errorf("consume initiation: ephemeral", err)
	}
	kdf(&ck, es[:], &ck, &key)
	setZero(es[:])
	var remote PublicKey
	if _, err := aeadOpen(remote[:0], &key, msg.Static[:], hs[:]); err != nil {
		return nil, errorf("consume initiation: static", err)
	}
	mixHash(&hs, msg.Static[:])

	h := lookup(remote)
	if h == nil {
		return nil, errorf("consume initiation", ErrUnknownPeer)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.local == nil || h.local.public != id.public {
		return nil, errorf("consume initiation: peer bound to another identity", ErrUnknownPeer)
	}
	if !h.staticStaticValid {
		return nil, errorf("consume initiation: static", ErrLowOrderPoint)
	}

	// ss: decrypt the timestamp.
	kdf(&ck, h.staticStatic[:], &ck, &key)
	var ts tai64n.Timestamp
	if _, err := aeadOpen(ts[:0], &key, msg.Timestamp[:], hs[:]); err != nil {
		return nil, errorf("consume initiation: timestamp", err)
	}
	mixHash(&hs, msg.Timestamp[:])

	if !ts.After(h.lastTimestamp) {
		return nil, errorf("consume initiation", ErrReplay)
	}
	now := h.clock()
	if now.Sub(h.lastInitiationConsumed) < HandshakeInitiationRate {
		return nil, errorf("consume initiation", ErrFlood)
	}

	h.clearLocked()
	h.chainKey = ck
	h.hash = hs
	h.remoteEphemeral = msg.Ephemeral
	h.remoteIndex = msg.Sender
	h.lastTimestamp = ts
	h.lastInitiationConsumed = now
	h.state = HandshakeInitiationConsumed
	return h, nil
}
