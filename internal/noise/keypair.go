// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Keypair is a transport session: the symmetric keys derived at the end of a
// handshake, the indices that route packets to it, and the sending counter.
// It is safe for concurrent use; Seal and Open only read it.
type Keypair struct {
	send    cipher.AEAD
	receive cipher.AEAD

	sendCounter atomic.Uint64

	localIndex  uint32
	remoteIndex uint32
	initiator   bool
	created     time.Time
}

// deriveKeypair splits the final chaining key into the two transport keys,
// (T_initiator→responder, T_responder→initiator) = KDF2(ck, ε), and builds
// the keypair for the side given by initiator.
func deriveKeypair(ck *[blake2sSize]byte, initiator bool, localIndex, remoteIndex uint32, now time.Time) *Keypair {
	var first, second [blake2sSize]byte
	kdf(ck, nil, &first, &second)
	sendKey, receiveKey := &first, &second
	if !initiator {
		sendKey, receiveKey = &second, &first
	}
	kp := &Keypair{
		send:        newTransportAEAD(sendKey),
		receive:     newTransportAEAD(receiveKey),
		localIndex:  localIndex,
		remoteIndex: remoteIndex,
		initiator:   initiator,
		created:     now,
	}
	setZero(first[:])
	setZero(second[:])
	return kp
}

// newTransportAEAD returns the ChaCha20-Poly1305 cipher of a transport key.
func newTransportAEAD(key *[blake2sSize]byte) cipher.AEAD {
	aead, err := chacha20poly1305.New(key[:])
	if err != nil {
		// The key has the right length by construction.
		panic(err)
	}
	return aead
}

// LocalIndex returns the index under which the engine finds this keypair
// when transport data arrives: the receiver index of incoming packets.
func (kp *Keypair) LocalIndex() uint32 { return kp.localIndex }

// RemoteIndex returns the peer's index for this keypair, written as the
// receiver index of every packet sealed with it.
func (kp *Keypair) RemoteIndex() uint32 { return kp.remoteIndex }

// IsInitiator reports whether this side initiated the handshake. A
// responder's keypair must not be used for sending before a packet has been
// opened with it, and only the initiator rekeys on age.
func (kp *Keypair) IsInitiator() bool { return kp.initiator }

// Created returns the clock time at which the keypair was derived, from
// which the engine measures RekeyAfterTime and RejectAfterTime.
func (kp *Keypair) Created() time.Time { return kp.created }

// NextCounter reserves the next sending counter. It fails with
// ErrCounterLimit once RejectAfterMessages counters have been used; the
// keypair must then be replaced.
func (kp *Keypair) NextCounter() (uint64, error) {
	n := kp.sendCounter.Add(1) - 1
	if n >= RejectAfterMessages {
		kp.sendCounter.Store(RejectAfterMessages)
		return 0, errCounterLimitSeal
	}
	return n, nil
}

// SendCounter returns how many sending counters have been reserved, which
// the engine compares with RekeyAfterMessages.
func (kp *Keypair) SendCounter() uint64 { return kp.sendCounter.Load() }

// Format prints the keypair's indices and role, never key material, for
// every fmt verb.
func (kp *Keypair) Format(f fmt.State, _ rune) {
	role := "responder"
	if kp.initiator {
		role = "initiator"
	}
	_, _ = fmt.Fprintf(f, "keypair(local %d, remote %d, %s)", kp.localIndex, kp.remoteIndex, role)
}

// Errors of the per-packet path, built once so that failures do not
// allocate.
var (
	errSealHeadroom     = errorf("seal transport data: no room for the header", ErrShortBuffer)
	errSealTailroom     = errorf("seal transport data: no room for the tag", ErrShortBuffer)
	errCounterLimitSeal = errorf("seal transport data", ErrCounterLimit)
	errOpenShort        = errorf("open transport data: message too short", ErrInvalidMessage)
	errOpenType         = errorf("open transport data: not transport data", ErrInvalidMessage)
	errOpenIndex        = errorf("open transport data", ErrIndexMismatch)
	errCounterLimitOpen = errorf("open transport data", ErrCounterLimit)
	errOpenAuth         = errorf("open transport data", ErrAuthentication)
)

// Seal encrypts a transport data message in place. On entry msg holds
// MessageTransportHeaderSize bytes of headroom followed by the plaintext,
// already padded by the caller, and cap(msg) leaves TagSize bytes after it.
// Seal writes the header (type, the peer's receiver index, counter) into
// the headroom, encrypts the plaintext where it lies and appends the tag,
// returning msg extended by TagSize: the datagram to send. counter must come
// from NextCounter. Seal does not allocate.
func (kp *Keypair) Seal(msg []byte, counter uint64) ([]byte, error) {
	n := len(msg)
	if n < MessageTransportHeaderSize {
		return nil, errSealHeadroom
	}
	if cap(msg)-n < TagSize {
		return nil, errSealTailroom
	}
	if counter >= RejectAfterMessages {
		return nil, errCounterLimitSeal
	}
	// The nonce is 4 zero bytes and the little-endian counter: exactly the
	// header bytes 4 to 16 while the receiver field is zero. Using them in
	// place keeps the nonce off the heap.
	binary.LittleEndian.PutUint32(msg, uint32(MessageTransportType))
	binary.LittleEndian.PutUint32(msg[MessageTransportOffsetReceiver:], 0)
	binary.LittleEndian.PutUint64(msg[MessageTransportOffsetCounter:], counter)
	nonce := msg[MessageTransportOffsetReceiver:MessageTransportHeaderSize]
	content := msg[MessageTransportOffsetContent:n]
	kp.send.Seal(content[:0], nonce, content, nil)
	binary.LittleEndian.PutUint32(msg[MessageTransportOffsetReceiver:], kp.remoteIndex)
	return msg[:n+TagSize], nil
}

// Open authenticates and decrypts the transport data message msg in place.
// It returns the plaintext, which aliases msg starting at
// MessageTransportOffsetContent, and the packet's counter, which the engine
// must then check against its replay window. The receiver index must be
// this keypair's local index. On failure the content of msg is
// unspecified. Open does not allocate.
func (kp *Keypair) Open(msg []byte) (plaintext []byte, counter uint64, err error) {
	if len(msg) < MessageTransportSize {
		return nil, 0, errOpenShort
	}
	if MessageType(binary.LittleEndian.Uint32(msg)) != MessageTransportType {
		return nil, 0, errOpenType
	}
	receiver := binary.LittleEndian.Uint32(msg[MessageTransportOffsetReceiver:])
	if receiver != kp.localIndex {
		return nil, 0, errOpenIndex
	}
	counter = binary.LittleEndian.Uint64(msg[MessageTransportOffsetCounter:])
	if counter >= RejectAfterMessages {
		return nil, 0, errCounterLimitOpen
	}
	// As in Seal, the zeroed receiver field and the counter form the nonce.
	binary.LittleEndian.PutUint32(msg[MessageTransportOffsetReceiver:], 0)
	nonce := msg[MessageTransportOffsetReceiver:MessageTransportHeaderSize]
	content := msg[MessageTransportOffsetContent:]
	plaintext, err = kp.receive.Open(content[:0], nonce, content, nil)
	binary.LittleEndian.PutUint32(msg[MessageTransportOffsetReceiver:], receiver)
	if err != nil {
		return nil, 0, errOpenAuth
	}
	return plaintext, counter, nil
}

// PaddedLen returns the length to which a plaintext of n bytes is padded
// with zeros before sealing: the next multiple of PaddingMultiple, but never
// beyond mtu. When n exceeds mtu (a segment larger than the MTU), only the
// final partial MTU-sized unit is padded. An mtu of 0 or less means no
// limit. Keepalives (n = 0) stay empty.
func PaddedLen(n, mtu int) int {
	last := n
	if mtu > 0 && n > mtu {
		last = n % mtu
	}
	padded := (last + PaddingMultiple - 1) &^ (PaddingMultiple - 1)
	if mtu > 0 && padded > mtu {
		padded = mtu
	}
	return n - last + padded
}
