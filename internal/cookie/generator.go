// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"crypto/cipher"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/crypto/blake2s"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// Generator stamps the MACs of handshake messages sent to one peer and
// keeps the cookie that peer last handed out. It is safe for concurrent
// use. It is bound to the peer's static public key, which never changes for
// a peer.
type Generator struct {
	clock   func() time.Time
	mac1Key [blake2s.Size]byte
	// aead decrypts cookies under HASH(LabelCookie || peer public key).
	aead cipher.AEAD

	mu        sync.Mutex
	cookie    [noise.CookieSize]byte
	cookieSet time.Time
	hasCookie bool
	// lastMAC1 and lastSender identify the last message stamped, the only
	// one a cookie reply may answer.
	lastMAC1    [noise.MACSize]byte
	lastSender  uint32
	hasLastMAC1 bool
}

// NewGenerator returns the Generator for the peer whose static public key
// is remote. clock supplies the current time for cookie ageing; nil means
// time.Now.
func NewGenerator(remote noise.PublicKey, clock func() time.Time) *Generator {
	if clock == nil {
		clock = time.Now
	}
	return &Generator{clock: clock, mac1Key: labelKey(LabelMAC1, remote), aead: cookieAEAD(remote)}
}

// AddMACs fills in the mac1 and mac2 fields of the marshalled handshake
// message msg (an initiation or a response) in place. mac2 is the MAC of
// the held cookie if it is younger than CookieUseTime, and zero otherwise.
// The message's mac1 and sender index are remembered so that a cookie reply
// to it can be consumed. It fails with ErrNotHandshake.
func (g *Generator) AddMACs(msg []byte) error {
	m1, off1, off2, err := mac1Of(&g.mac1Key, msg)
	if err != nil {
		return err
	}
	copy(msg[off1:], m1[:])

	g.mu.Lock()
	defer g.mu.Unlock()
	g.lastMAC1 = m1
	g.lastSender = senderIndex(msg)
	g.hasLastMAC1 = true

	var m2 [noise.MACSize]byte
	if g.hasCookie && g.clock().Sub(g.cookieSet) < CookieUseTime {
		mac(&m2, g.cookie[:], msg[:off2])
	}
	copy(msg[off2:], m2[:])
	return nil
}

// ConsumeReply decrypts a cookie reply from the peer and keeps its cookie
// for the next messages. The reply must answer the last message stamped by
// AddMACs (its receiver index is that message's sender index and its
// additional data that message's mac1), and each stamped message can be
// answered once. It fails with ErrUnexpectedCookieReply or
// ErrInvalidCookieReply, and then changes nothing.
func (g *Generator) ConsumeReply(reply *noise.MessageCookieReply) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.hasLastMAC1 || reply.Receiver != g.lastSender {
		return errUnexpectedReply
	}
	var cookie [noise.CookieSize]byte
	if _, err := g.aead.Open(cookie[:0], reply.Nonce[:], reply.Cookie[:], g.lastMAC1[:]); err != nil {
		return errInvalidReply
	}
	g.cookie = cookie
	g.cookieSet = g.clock()
	g.hasCookie = true
	g.hasLastMAC1 = false
	return nil
}

var (
	errUnexpectedReply = fmt.Errorf("consume cookie reply: %w", ErrUnexpectedCookieReply)
	errInvalidReply    = fmt.Errorf("consume cookie reply: %w", ErrInvalidCookieReply)
)

// Format prints a fixed description, never the cookie, for every fmt verb.
func (g *Generator) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "cookie.Generator")
}
