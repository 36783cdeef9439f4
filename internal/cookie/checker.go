// SPDX-License-Identifier: BSD-2-Clause

package cookie

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/crypto/blake2s"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// Checker verifies the MACs of handshake messages sent to the local
// identity and makes cookie replies. It is safe for concurrent use. It is
// bound to one static public key; when the device's key changes, the engine
// replaces its Checker.
type Checker struct {
	clock   func() time.Time
	rand    io.Reader
	mac1Key [blake2s.Size]byte
	// aead encrypts cookies under HASH(LabelCookie || local public key).
	aead cipher.AEAD

	mu        sync.RWMutex
	secret    [blake2s.Size]byte
	secretSet time.Time
	hasSecret bool
}

// NewChecker returns the Checker of the local static public key local.
// clock supplies the current time for secret rotation; nil means time.Now.
func NewChecker(local noise.PublicKey, clock func() time.Time) *Checker {
	if clock == nil {
		clock = time.Now
	}
	return &Checker{
		clock:   clock,
		rand:    rand.Reader,
		mac1Key: labelKey(LabelMAC1, local),
		aead:    cookieAEAD(local),
	}
}

// CheckMAC1 verifies the mac1 of the handshake message msg (an initiation
// or a response, as received). It fails with ErrInvalidMAC1, or
// ErrNotHandshake if msg is not a handshake message.
func (c *Checker) CheckMAC1(msg []byte) error {
	want, off1, _, err := mac1Of(&c.mac1Key, msg)
	if err != nil {
		return err
	}
	if !equalMAC(want[:], msg[off1:off1+noise.MACSize]) {
		return errInvalidMAC1
	}
	return nil
}

var (
	errInvalidMAC1 = fmt.Errorf("check mac1: %w", ErrInvalidMAC1)
	errInvalidMAC2 = fmt.Errorf("check mac2: %w", ErrInvalidMAC2)
)

// CheckMAC2 verifies the mac2 of the handshake message msg received from
// src against the cookie src would hold. A cookie made with a secret older
// than CookieRefreshTime is no longer valid. It fails with ErrInvalidMAC2,
// or ErrNotHandshake if msg is not a handshake message.
func (c *Checker) CheckMAC2(msg []byte, src netip.AddrPort) error {
	_, off2, err := macOffsets(msg)
	if err != nil {
		return err
	}
	var cookie [noise.CookieSize]byte
	c.mu.RLock()
	valid := c.hasSecret && c.clock().Sub(c.secretSet) < CookieRefreshTime
	if valid {
		makeCookie(&cookie, &c.secret, src)
	}
	c.mu.RUnlock()
	if !valid {
		return errInvalidMAC2
	}
	var want [noise.MACSize]byte
	mac(&want, cookie[:], msg[:off2])
	if !equalMAC(want[:], msg[off2:]) {
		return errInvalidMAC2
	}
	return nil
}

// Check applies the receive-side policy to the handshake message msg from
// src: mac1 must be valid (else ErrInvalidMAC1: drop), and while underLoad
// mac2 must be valid too (else ErrInvalidMAC2: answer with CreateReply and
// drop). A nil result means the message may proceed to the rate limiter
// (when under load) and to the handshake.
func (c *Checker) Check(msg []byte, src netip.AddrPort, underLoad bool) error {
	if err := c.CheckMAC1(msg); err != nil {
		return err
	}
	if !underLoad {
		return nil
	}
	return c.CheckMAC2(msg, src)
}

// CreateReply returns the cookie reply answering the handshake message msg
// received from src. The reply is addressed to msg's sender index and
// encrypts src's cookie with msg's mac1 as additional data. The secret is
// replaced first if it is older than CookieRefreshTime. The caller should
// have checked mac1, so that replies go only to senders who know the local
// public key.
func (c *Checker) CreateReply(msg []byte, src netip.AddrPort) (*noise.MessageCookieReply, error) {
	off1, _, err := macOffsets(msg)
	if err != nil {
		return nil, fmt.Errorf("create cookie reply: %w", err)
	}
	var cookie [noise.CookieSize]byte
	if err := c.currentCookie(&cookie, src); err != nil {
		return nil, err
	}
	reply := &noise.MessageCookieReply{Receiver: senderIndex(msg)}
	if _, err := io.ReadFull(c.rand, reply.Nonce[:]); err != nil {
		return nil, fmt.Errorf("create cookie reply: nonce: %w", err)
	}
	c.aead.Seal(reply.Cookie[:0], reply.Nonce[:], cookie[:], msg[off1:off1+noise.MACSize])
	return reply, nil
}

// currentCookie sets cookie to src's cookie under the current secret,
// rotating the secret if it has expired.
func (c *Checker) currentCookie(cookie *[noise.CookieSize]byte, src netip.AddrPort) error {
	now := c.clock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.hasSecret || now.Sub(c.secretSet) >= CookieRefreshTime {
		if _, err := io.ReadFull(c.rand, c.secret[:]); err != nil {
			c.hasSecret = false
			return fmt.Errorf("create cookie reply: secret: %w", err)
		}
		c.secretSet = now
		c.hasSecret = true
	}
	makeCookie(cookie, &c.secret, src)
	return nil
}

// makeCookie sets cookie to MAC(secret, source address || source port).
// IPv4 addresses count as 4 bytes, including IPv4-mapped IPv6 ones, so a
// dual-stack socket yields the same cookie as an IPv4 socket; the port is
// big-endian.
func makeCookie(cookie *[noise.CookieSize]byte, secret *[blake2s.Size]byte, src netip.AddrPort) {
	addr := src.Addr().Unmap()
	var buf [16 + 2]byte
	var n int
	if addr.Is4() {
		a := addr.As4()
		n = copy(buf[:], a[:])
	} else {
		a := addr.As16()
		n = copy(buf[:], a[:])
	}
	binary.BigEndian.PutUint16(buf[n:], src.Port())
	mac(cookie, secret[:], buf[:n+2])
}

// Format prints a fixed description, never the secret, for every fmt verb.
func (c *Checker) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "cookie.Checker")
}
