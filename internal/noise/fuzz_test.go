// SPDX-License-Identifier: BSD-2-Clause

package noise

import (
	"bytes"
	"errors"
	"testing"
)

// handshakeErrors are the sentinels a consume function may return.
var handshakeErrors = []error{
	ErrInvalidMessage, ErrAuthentication, ErrUnknownPeer, ErrReplay, ErrFlood,
	ErrInvalidState, ErrIndexMismatch, ErrLowOrderPoint, ErrNoIdentity,
}

func checkClassified(t *testing.T, err error) {
	t.Helper()
	for _, s := range handshakeErrors {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("unclassified error: %v", err)
}

// senderStart and senderEnd bound the sender index, which only mac1
// authenticates; the consume functions are not responsible for it, nor for
// the MACs at the end.
const senderStart, senderEnd = 4, 8

func FuzzConsumeInitiation(f *testing.F) {
	ini, resp := newPair(f, PresharedKey{}, PresharedKey{})
	init, err := ini.peer.CreateInitiation(1)
	if err != nil {
		f.Fatal(err)
	}
	seed := marshal(f, init)
	f.Add(seed)
	f.Add(seed[:100])
	f.Add(append(bytes.Clone(seed), 0))
	f.Add(make([]byte, MessageInitiationSize))

	f.Fuzz(func(t *testing.T, data []byte) {
		var m MessageInitiation
		if err := m.UnmarshalBinary(data); err != nil {
			checkClassified(t, err)
			return
		}
		// A fresh responder state each time, so that the seed is never a
		// replay of an earlier iteration.
		resp.peer = NewHandshake(resp.id, ini.id.PublicKey(), PresharedKey{}, resp.clock.Now)
		h, err := resp.id.ConsumeInitiation(&m, resp.lookup)
		if err != nil {
			checkClassified(t, err)
			if resp.peer.State() != HandshakeZeroed {
				t.Fatal("failed initiation changed the handshake state")
			}
			return
		}
		if h != resp.peer {
			t.Fatal("wrong handshake returned")
		}
		if !bytes.Equal(data[:senderStart], seed[:senderStart]) ||
			!bytes.Equal(data[senderEnd:MessageInitiationSize-2*MACSize], seed[senderEnd:MessageInitiationSize-2*MACSize]) {
			t.Fatalf("accepted an initiation that differs from the genuine one in authenticated bytes: %x", data)
		}
	})
}

// fixedReader returns the same bytes on every read, making ephemeral keys
// and therefore whole handshakes reproducible.
type fixedReader struct{ b [32]byte }

func (r *fixedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b[i%len(r.b)]
	}
	return len(p), nil
}

func FuzzConsumeResponse(f *testing.F) {
	ini, resp := newPair(f, PresharedKey{5}, PresharedKey{5})
	ini.peer.rand = &fixedReader{b: [32]byte{1, 2, 3, 4}}
	seed := marshal(f, respond(f, ini, resp))
	f.Add(seed)
	f.Add(seed[:91])
	f.Add(make([]byte, MessageResponseSize))

	f.Fuzz(func(t *testing.T, data []byte) {
		var m MessageResponse
		if err := m.UnmarshalBinary(data); err != nil {
			checkClassified(t, err)
			return
		}
		// The fixed ephemeral and clock recreate the same initiation, to
		// which the seed is the genuine response.
		if _, err := ini.peer.CreateInitiation(1); err != nil {
			t.Fatal(err)
		}
		kp, err := ini.peer.ConsumeResponse(&m)
		if err != nil {
			checkClassified(t, err)
			if ini.peer.State() != HandshakeInitiationCreated {
				t.Fatal("failed response changed the handshake state")
			}
			return
		}
		if kp == nil || !bytes.Equal(data[:senderStart], seed[:senderStart]) ||
			!bytes.Equal(data[senderEnd:MessageResponseSize-2*MACSize], seed[senderEnd:MessageResponseSize-2*MACSize]) {
			t.Fatalf("accepted a response that differs from the genuine one in authenticated bytes: %x", data)
		}
	})
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(marshal(f, &MessageInitiation{Sender: 1}))
	f.Add(marshal(f, &MessageResponse{Sender: 1, Receiver: 2}))
	f.Add(marshal(f, &MessageCookieReply{Receiver: 3}))
	f.Add(append([]byte{4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 16)...))
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		tp, typeErr := ParseMessageType(data)
		if typeErr != nil {
			checkClassified(t, typeErr)
		}
		var (
			init MessageInitiation
			resp MessageResponse
			cr   MessageCookieReply
			hdr  MessageTransportHeader
		)
		msgs := []struct {
			tp MessageType
			m  interface {
				UnmarshalBinary([]byte) error
				AppendBinary([]byte) ([]byte, error)
			}
		}{
			{MessageInitiationType, &init},
			{MessageResponseType, &resp},
			{MessageCookieReplyType, &cr},
			{MessageTransportType, &hdr},
		}
		for _, x := range msgs {
			err := x.m.UnmarshalBinary(data)
			if (err == nil) != (typeErr == nil && tp == x.tp) {
				t.Fatalf("%v: UnmarshalBinary error %v disagrees with ParseMessageType %v, %v", x.tp, err, tp, typeErr)
			}
			if err != nil {
				checkClassified(t, err)
				continue
			}
			out, _ := x.m.AppendBinary(nil)
			if !bytes.Equal(out, data[:len(out)]) {
				t.Fatalf("%v: re-marshalled form differs from input", x.tp)
			}
			if x.tp != MessageTransportType && len(out) != len(data) {
				t.Fatalf("%v: re-marshalled length %d, input %d", x.tp, len(out), len(data))
			}
		}
	})
}
