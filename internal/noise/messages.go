// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/wgbsd/wgbsd/internal/enum"
)

// MessageType is the first field of every WireGuard message: one type byte
// followed by three reserved zero bytes, read as a little-endian uint32.
type MessageType uint32

// The four message types.
const (
	// MessageInitiationType is the type of a handshake initiation.
	MessageInitiationType MessageType = 1

	// MessageResponseType is the type of a handshake response.
	MessageResponseType MessageType = 2

	// MessageCookieReplyType is the type of a cookie reply.
	MessageCookieReplyType MessageType = 3

	// MessageTransportType is the type of a transport data message.
	MessageTransportType MessageType = 4
)

var messageTypeNames = [...]string{
	MessageInitiationType:  "handshake initiation",
	MessageResponseType:    "handshake response",
	MessageCookieReplyType: "cookie reply",
	MessageTransportType:   "transport data",
}

// String returns the protocol's name for t.
func (t MessageType) String() string {
	return enum.Name(messageTypeNames[:], t, "unknown message type %d")
}

// Errors of ParseMessageType, built once: it runs on every datagram.
var (
	errMessageTooShort = errorf("parse message type: message too short", ErrInvalidMessage)
	errUnknownType     = errorf("parse message type: unknown type", ErrInvalidMessage)
	errWrongLength     = errorf("parse message type: wrong length for type", ErrInvalidMessage)
)

// ParseMessageType classifies a received datagram. It returns the type
// when the first four bytes name a known type (non-zero reserved bytes make
// it unknown) and the length is valid for that type: exact for the
// handshake messages and the cookie reply, at least MessageTransportSize for
// transport data. Otherwise it fails with ErrInvalidMessage. It does not
// allocate.
func ParseMessageType(b []byte) (MessageType, error) {
	if len(b) < 4 {
		return 0, errMessageTooShort
	}
	t := MessageType(binary.LittleEndian.Uint32(b))
	var ok bool
	switch t {
	case MessageInitiationType:
		ok = len(b) == MessageInitiationSize
	case MessageResponseType:
		ok = len(b) == MessageResponseSize
	case MessageCookieReplyType:
		ok = len(b) == MessageCookieReplySize
	case MessageTransportType:
		ok = len(b) >= MessageTransportSize
	default:
		return 0, errUnknownType
	}
	if !ok {
		return 0, errWrongLength
	}
	return t, nil
}

// checkMessage verifies that b is a message of type t with exactly size
// bytes.
func checkMessage(b []byte, t MessageType, size int) error {
	if len(b) != size {
		return fmt.Errorf("unmarshal %v: length %d, want %d: %w", t, len(b), size, ErrInvalidMessage)
	}
	if got := MessageType(binary.LittleEndian.Uint32(b)); got != t {
		return fmt.Errorf("unmarshal %v: got %v: %w", t, got, ErrInvalidMessage)
	}
	return nil
}

// layout is the wire form of a handshake message or a cookie reply: the
// type, then the 32-bit little-endian indices, then the fixed-size byte
// fields, size bytes in all. Each message type lists its own fields.
type layout struct {
	typ     MessageType
	size    int
	indices []*uint32
	fields  [][]byte
}

// append appends the message to b, growing b at most once.
func (l layout) append(b []byte) ([]byte, error) {
	b = slices.Grow(b, l.size)
	b = binary.LittleEndian.AppendUint32(b, uint32(l.typ))
	for _, x := range l.indices {
		b = binary.LittleEndian.AppendUint32(b, *x)
	}
	for _, f := range l.fields {
		b = append(b, f...)
	}
	return b, nil
}

// unmarshal sets the fields from b, which must be exactly one message of
// the type.
func (l layout) unmarshal(b []byte) error {
	if err := checkMessage(b, l.typ, l.size); err != nil {
		return err
	}
	b = b[4:]
	for _, x := range l.indices {
		*x = binary.LittleEndian.Uint32(b)
		b = b[4:]
	}
	for _, f := range l.fields {
		b = b[copy(f, b):]
	}
	return nil
}

// MACs are the two message authentication codes that end both handshake
// messages.
type MACs struct {
	// MAC1 authenticates the message with the receiver's public key.
	MAC1 [MACSize]byte
	// MAC2 authenticates the message with a cookie, or is zero.
	MAC2 [MACSize]byte
}

// MessageInitiation is the first handshake message, sent by the initiator.
type MessageInitiation struct {
	// Sender is the initiator's local index for this handshake.
	Sender uint32
	// Ephemeral is the initiator's unencrypted ephemeral public key.
	Ephemeral PublicKey
	// Static is the initiator's encrypted static public key and its tag.
	Static [KeySize + TagSize]byte
	// Timestamp is the encrypted TAI64N timestamp and its tag.
	Timestamp [12 + TagSize]byte
	MACs
}

// AppendBinary and MarshalBinary append and return the 148-byte wire
// form of m; UnmarshalBinary sets m from it, failing with ErrInvalidMessage
// unless b is exactly one initiation.
func (m *MessageInitiation) AppendBinary(b []byte) ([]byte, error) { return m.layout().append(b) }
func (m *MessageInitiation) MarshalBinary() ([]byte, error)        { return m.layout().append(nil) }
func (m *MessageInitiation) UnmarshalBinary(b []byte) error        { return m.layout().unmarshal(b) }

func (m *MessageInitiation) layout() layout {
	return layout{MessageInitiationType, MessageInitiationSize, []*uint32{&m.Sender},
		[][]byte{m.Ephemeral[:], m.Static[:], m.Timestamp[:], m.MAC1[:], m.MAC2[:]}}
}

// MessageResponse is the second handshake message, sent by the responder.
type MessageResponse struct {
	// Sender is the responder's local index for the new session.
	Sender uint32
	// Receiver is the initiator's index, copied from the initiation.
	Receiver uint32
	// Ephemeral is the responder's unencrypted ephemeral public key.
	Ephemeral PublicKey
	// Empty is the tag of an encrypted empty plaintext.
	Empty [TagSize]byte
	MACs
}

// AppendBinary and MarshalBinary append and return the 92-byte wire
// form of m; UnmarshalBinary sets m from it, failing with ErrInvalidMessage
// unless b is exactly one response.
func (m *MessageResponse) AppendBinary(b []byte) ([]byte, error) { return m.layout().append(b) }
func (m *MessageResponse) MarshalBinary() ([]byte, error)        { return m.layout().append(nil) }
func (m *MessageResponse) UnmarshalBinary(b []byte) error        { return m.layout().unmarshal(b) }

func (m *MessageResponse) layout() layout {
	return layout{MessageResponseType, MessageResponseSize, []*uint32{&m.Sender, &m.Receiver},
		[][]byte{m.Ephemeral[:], m.Empty[:], m.MAC1[:], m.MAC2[:]}}
}

// MessageCookieReply is sent by a responder under load instead of a
// response, carrying an encrypted cookie for the sender of the handshake
// message it answers.
type MessageCookieReply struct {
	// Receiver is the sender index of the handshake message answered.
	Receiver uint32
	// Nonce is the random XChaCha20-Poly1305 nonce.
	Nonce [CookieNonceSize]byte
	// Cookie is the encrypted cookie and its tag.
	Cookie [CookieSize + TagSize]byte
}

// AppendBinary and MarshalBinary append and return the 64-byte wire
// form of m; UnmarshalBinary sets m from it, failing with ErrInvalidMessage
// unless b is exactly one cookie reply.
func (m *MessageCookieReply) AppendBinary(b []byte) ([]byte, error) { return m.layout().append(b) }
func (m *MessageCookieReply) MarshalBinary() ([]byte, error)        { return m.layout().append(nil) }
func (m *MessageCookieReply) UnmarshalBinary(b []byte) error        { return m.layout().unmarshal(b) }

func (m *MessageCookieReply) layout() layout {
	return layout{MessageCookieReplyType, MessageCookieReplySize, []*uint32{&m.Receiver},
		[][]byte{m.Nonce[:], m.Cookie[:]}}
}

// MessageTransportHeader is the 16-byte header of a transport data message.
type MessageTransportHeader struct {
	// Receiver is the receiving side's local index of the keypair.
	Receiver uint32
	// Counter is the 64-bit nonce counter of the packet.
	Counter uint64
}

// AppendBinary appends the 16-byte wire form of h to b.
func (h *MessageTransportHeader) AppendBinary(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(b, uint32(MessageTransportType))
	b = binary.LittleEndian.AppendUint32(b, h.Receiver)
	return binary.LittleEndian.AppendUint64(b, h.Counter), nil
}

// UnmarshalBinary sets h from the header of the transport data message b.
// It fails with ErrInvalidMessage unless b has the transport type and at
// least MessageTransportSize bytes (a header and a tag).
func (h *MessageTransportHeader) UnmarshalBinary(b []byte) error {
	if len(b) < MessageTransportSize {
		return fmt.Errorf("unmarshal %v: length %d, want at least %d: %w",
			MessageTransportType, len(b), MessageTransportSize, ErrInvalidMessage)
	}
	if got := MessageType(binary.LittleEndian.Uint32(b)); got != MessageTransportType {
		return fmt.Errorf("unmarshal %v: got %v: %w", MessageTransportType, got, ErrInvalidMessage)
	}
	h.Receiver = binary.LittleEndian.Uint32(b[MessageTransportOffsetReceiver:])
	h.Counter = binary.LittleEndian.Uint64(b[MessageTransportOffsetCounter:])
	return nil
}
