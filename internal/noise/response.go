// SPDX-License-Identifier: BSD-2-Clause

package noise

import "crypto/ecdh"

// CreateResponse answers the initiation accepted by ConsumeInitiation. It
// returns the response to send, with zero MAC fields for package cookie to
// fill, and the new transport keypair, whose local index is localIndex. The
// keypair is the responder's: the engine must hold it as "next" and start
// sending with it only after Keypair.Open has succeeded once (key
// confirmation). The handshake returns to HandshakeZeroed.
func (h *Handshake) CreateResponse(localIndex uint32) (*MessageResponse, *Keypair, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != HandshakeInitiationConsumed {
		return nil, nil, errorf("create response: "+h.state.String(), ErrInvalidState)
	}
	if err := h.ready(); err != nil {
		return nil, nil, errorf("create response", err)
	}
	ephemeral, ephemeralKey, err := h.newEphemeral()
	if err != nil {
		return nil, nil, err
	}
	defer setZero(ephemeral[:])
	msg := &MessageResponse{Sender: localIndex, Receiver: h.remoteIndex}
	copy(msg.Ephemeral[:], ephemeralKey.PublicKey().Bytes())

	ck := h.chainKey
	hs := h.hash
	defer setZero(ck[:])

	// e
	kdf(&ck, msg.Ephemeral[:], &ck)
	mixHash(&hs, msg.Ephemeral[:])
	// ee, se
	if err := mixDH(&ck, ephemeralKey, &h.remoteEphemeral); err != nil {
		return nil, nil, errorf("create response: ephemeral", err)
	}
	if err := mixDH(&ck, ephemeralKey, &h.remoteStatic); err != nil {
		return nil, nil, errorf("create response: static", err)
	}
	// psk, then encrypt nothing to authenticate the transcript.
	var key [KeySize]byte
	defer setZero(key[:])
	mixPresharedKey(&ck, &hs, &key, &h.presharedKey)
	aeadSeal(msg.Empty[:0], &key, nil, hs[:])

	kp := deriveKeypair(&ck, false, localIndex, h.remoteIndex, h.clock())
	h.clearLocked()
	return msg, kp, nil
}

// ConsumeResponse completes a handshake this side initiated, given the
// response whose receiver index the engine looked up to find h. It returns
// the new transport keypair, usable for sending at once, and the handshake
// returns to HandshakeZeroed. On failure no handshake state changes, so a
// forged response does not disturb the handshake in progress.
func (h *Handshake) ConsumeResponse(msg *MessageResponse) (*Keypair, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != HandshakeInitiationCreated {
		return nil, errorf("consume response: "+h.state.String(), ErrInvalidState)
	}
	if msg.Receiver != h.localIndex {
		return nil, errorf("consume response", ErrIndexMismatch)
	}
	if err := h.ready(); err != nil {
		return nil, errorf("consume response", err)
	}

	ck := h.chainKey
	hs := h.hash
	defer setZero(ck[:])

	// e
	kdf(&ck, msg.Ephemeral[:], &ck)
	mixHash(&hs, msg.Ephemeral[:])
	// ee, se (from our side: our static with their ephemeral)
	if err := mixDH(&ck, h.localEphemeralKey, &msg.Ephemeral); err != nil {
		return nil, errorf("consume response: ephemeral", err)
	}
	if err := mixDH(&ck, h.local.key, &msg.Ephemeral); err != nil {
		return nil, errorf("consume response: static", err)
	}
	var key [KeySize]byte
	defer setZero(key[:])
	mixPresharedKey(&ck, &hs, &key, &h.presharedKey)
	if _, err := aeadOpen(nil, &key, msg.Empty[:], hs[:]); err != nil {
		return nil, errorf("consume response", err)
	}

	kp := deriveKeypair(&ck, true, h.localIndex, msg.Sender, h.clock())
	h.clearLocked()
	return kp, nil
}

// mixDH sets ck to KDF1(ck, DH(private, public)).
func mixDH(ck *[blake2sSize]byte, private *ecdh.PrivateKey, public *PublicKey) error {
	secret, err := dh(private, public)
	if err != nil {
		return err
	}
	kdf(ck, secret[:], ck)
	setZero(secret[:])
	return nil
}

// mixPresharedKey performs (ck, τ, key) = KDF3(ck, psk) and hs = HASH(hs ||
// τ), leaving in key the key that encrypts the response's empty payload.
func mixPresharedKey(ck, hs *[blake2sSize]byte, key *[KeySize]byte, psk *PresharedKey) {
	var tau [blake2sSize]byte
	kdf(ck, psk[:], ck, &tau, key)
	mixHash(hs, tau[:])
	setZero(tau[:])
}
