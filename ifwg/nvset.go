// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"math"
	"syscall"

	"github.com/wgbsd/wgbsd/nvlist"
)

// ErrUpdateOnly reports a PeerConfig with UpdateOnly given to the nvlist
// encoding, which has no such key; the caller must resolve it against the
// current state first.
var ErrUpdateOnly = errors.New("update-only has no nvlist encoding")

// EncodeSet builds the SIOCSWG nvlist for c exactly as wg(8) builds it:
// interface keys private-key, listen-port, user-cookie, replace-peers,
// peers; per peer public-key, preshared-key,
// persistent-keepalive-interval, endpoint, replace-allowedips, remove,
// allowed-ips; per allowed IP flags (only for a removal), cidr, then ipv4
// or ipv6. Booleans are sent only when true. An endpoint without an address
// is left out, as wg(8) leaves out a sockaddr of another family.
func EncodeSet(c *Config) (*nvlist.List, error) {
	l := nvlist.New()
	if c.PrivateKey != nil {
		l.AddBinary(NVPrivateKey, keyBytes(*c.PrivateKey))
	}
	if c.ListenPort != nil {
		l.AddNumber(NVListenPort, uint64(*c.ListenPort))
	}
	if c.FwMark != nil {
		l.AddNumber(NVUserCookie, uint64(*c.FwMark))
	}
	if c.ReplacePeers {
		l.AddBool(NVReplacePeers, true)
	}
	if err := addPeers(l, c.Peers, encodeSetPeer); err != nil {
		return nil, err
	}
	if err := l.Err(); err != nil {
		return nil, fmt.Errorf("failed to build set request: %w", err)
	}
	return l, nil
}

func encodeSetPeer(pc *PeerConfig) (*nvlist.List, error) {
	if pc.UpdateOnly {
		return nil, ErrUpdateOnly
	}
	l := nvlist.New()
	l.AddBinary(NVPublicKey, keyBytes(pc.PublicKey))
	if pc.PresharedKey != nil {
		l.AddBinary(NVPresharedKey, keyBytes(*pc.PresharedKey))
	}
	if pc.PersistentKeepalive != nil {
		l.AddNumber(NVKeepalive, uint64(*pc.PersistentKeepalive))
	}
	if pc.Endpoint != nil && pc.Endpoint.IsValid() {
		sa, err := pc.Endpoint.MarshalSockaddr()
		if err != nil {
			return nil, err
		}
		l.AddBinary(NVEndpoint, sa)
	}
	if pc.ReplaceAllowedIPs {
		l.AddBool(NVReplaceAllowedIPs, true)
	}
	if pc.Remove {
		l.AddBool(NVRemove, true)
	}
	if len(pc.AllowedIPs) > 0 {
		aips := make([]*nvlist.List, 0, len(pc.AllowedIPs))
		for _, a := range pc.AllowedIPs {
			e, err := encodeSetAllowedIP(a)
			if err != nil {
				return nil, err
			}
			aips = append(aips, e)
		}
		l.AddNVListArray(NVAllowedIPs, aips)
	}
	return l, nil
}

func encodeSetAllowedIP(a AllowedIP) (*nvlist.List, error) {
	if !a.Prefix.IsValid() {
		return nil, fmt.Errorf("invalid allowed IP %v", a.Prefix)
	}
	l := nvlist.New()
	if a.Remove {
		l.AddNumber(NVFlags, AllowedIPRemoveMe)
	}
	l.AddNumber(NVCIDR, uint64(a.Prefix.Bits()))
	l.AddBinary(addrKey(a.Prefix.Addr(), new([16]byte)))
	return l, nil
}

// addPeers adds to l the peers array of an interface nvlist, each element
// encoded by enc, unless peers is empty. The error of a peer names its
// index.
func addPeers[T any](l *nvlist.List, peers []T, enc func(*T) (*nvlist.List, error)) error {
	if len(peers) == 0 {
		return nil
	}
	ls := make([]*nvlist.List, len(peers))
	for i := range peers {
		p, err := enc(&peers[i])
		if err != nil {
			return fmt.Errorf("peer %d: %w", i, err)
		}
		ls[i] = p
	}
	l.AddNVListArray(NVPeers, ls)
	return nil
}

// keyBytes returns a fresh copy of the key's bytes for an nvlist binary.
func keyBytes(k Key) []byte {
	b := make([]byte, KeyLen)
	copy(b, k[:])
	return b
}

// DecodeSet interprets a SIOCSWG nvlist as the kernel's wgc_set does:
// unknown keys and keys of the wrong type are ignored, booleans count only
// when true, allowed-IP elements without cidr or without an address are
// skipped, and an endpoint of a family other than AF_INET/AF_INET6 clears
// the endpoint. Values the kernel refuses give a *SetError with EINVAL (or
// EOPNOTSUPP for unknown allowed-IP flags), naming the first failure in the
// kernel's processing order (replace-peers, listen-port, private-key,
// user-cookie, then each peer in order).
//
// DecodeSet is all-or-nothing; the kernel is not (a SET that fails at a
// later step keeps the earlier steps). ApplySet reproduces that on a
// SetTarget.
func DecodeSet(l *nvlist.List) (*Config, error) {
	c := &Config{}
	if v, ok := l.Bool(NVReplacePeers); ok && v {
		c.ReplacePeers = true
	}
	v, ok, err := setNumber(l, NVListenPort, math.MaxUint16)
	if err != nil {
		return nil, err
	}
	if ok {
		c.ListenPort = Ptr(uint16(v))
	}
	if c.PrivateKey, err = setKey(l, NVPrivateKey); err != nil {
		return nil, err
	}
	if v, ok, err = setNumber(l, NVUserCookie, math.MaxUint32); err != nil {
		return nil, err
	}
	if ok {
		c.FwMark = Ptr(uint32(v))
	}
	if peers, ok := l.NVListArray(NVPeers); ok {
		c.Peers = make([]PeerConfig, 0, len(peers))
		for i, pl := range peers {
			pc, err := decodeSetPeer(pl)
			if err != nil {
				return nil, fmt.Errorf("peer %d: %w", i, err)
			}
			c.Peers = append(c.Peers, *pc)
		}
	}
	return c, nil
}

// setKey returns the key of a SET request under name, nil when there is
// none.
func setKey(l *nvlist.List, name string) (*Key, error) {
	b, ok := l.Binary(name)
	if !ok {
		return nil, nil
	}
	k, err := keyFrom(b, name)
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// setNumber returns the number of a SET request under name and whether
// there is one; above max it is EINVAL.
func setNumber(l *nvlist.List, name string, max uint64) (uint64, bool, error) {
	v, ok := l.Number(name)
	if ok && v > max {
		return 0, false, SetErrorf(syscall.EINVAL, "%s %d out of range", name, v)
	}
	return v, ok, nil
}

func decodeSetPeer(l *nvlist.List) (*PeerConfig, error) {
	b, ok := l.Binary(NVPublicKey)
	if !ok {
		return nil, SetErrorf(syscall.EINVAL, "peer without public-key")
	}
	pub, err := keyFrom(b, NVPublicKey)
	if err != nil {
		return nil, err
	}
	pc := &PeerConfig{PublicKey: pub}
	if v, ok := l.Bool(NVRemove); ok && v {
		pc.Remove = true
		return pc, nil
	}
	if v, ok := l.Bool(NVReplaceAllowedIPs); ok && v {
		pc.ReplaceAllowedIPs = true
	}
	if b, ok := l.Binary(NVEndpoint); ok {
		if len(b) > MaxSockaddrLen {
			return nil, SetErrorf(syscall.EINVAL, "endpoint of %d bytes", len(b))
		}
		// A sockaddr of another family is stored by the kernel but gives
		// the peer no usable endpoint: the zero Endpoint.
		e, _ := UnmarshalSockaddr(padSockaddr(b))
		pc.Endpoint = &e
	}
	if pc.PresharedKey, err = setKey(l, NVPresharedKey); err != nil {
		return nil, err
	}
	v, ok, err := setNumber(l, NVKeepalive, math.MaxUint16)
	if err != nil {
		return nil, err
	}
	if ok {
		pc.PersistentKeepalive = Ptr(uint16(v))
	}
	if aips, ok := l.NVListArray(NVAllowedIPs); ok {
		for _, al := range aips {
			a, ok, err := decodeSetAllowedIP(al)
			if err != nil {
				return nil, err
			}
			if ok {
				pc.AllowedIPs = append(pc.AllowedIPs, a)
			}
		}
	}
	return pc, nil
}

// decodeSetAllowedIP returns the element's allowed IP, not masked, false
// when the kernel skips the element, or the kernel's error: flags other
// than remove are EOPNOTSUPP, checked before the address, which
// allowedIPPrefix reads.
func decodeSetAllowedIP(l *nvlist.List) (AllowedIP, bool, error) {
	if _, ok := l.Number(NVCIDR); !ok {
		return AllowedIP{}, false, nil
	}
	flags, _ := l.Number(NVFlags)
	if flags&^AllowedIPValidFlags != 0 {
		return AllowedIP{}, false, SetErrorf(syscall.EOPNOTSUPP, "allowed-ip flags %#x", flags)
	}
	pfx, ok, err := allowedIPPrefix(l)
	if err != nil {
		return AllowedIP{}, false, SetErrorf(syscall.EINVAL, "%v", err)
	}
	return AllowedIP{Prefix: pfx, Remove: flags&AllowedIPRemoveMe != 0}, ok, nil
}

// padSockaddr returns b extended with zero bytes to at least the size of a
// sockaddr_in, so that a short endpoint decodes as the kernel would read it
// from its zero-initialised storage.
func padSockaddr(b []byte) []byte {
	if len(b) >= sockaddrInLen {
		return b
	}
	p := make([]byte, sockaddrInLen)
	copy(p, b)
	return p
}

// keyFrom returns the key in b, or EINVAL when b is not 32 bytes.
func keyFrom(b []byte, name string) (Key, error) {
	if len(b) != KeyLen {
		return Key{}, SetErrorf(syscall.EINVAL, "%s of %d bytes", name, len(b))
	}
	return Key(b), nil
}

// SetError is an errno with the reason a SET request (nvlist or UAPI) is
// refused.
type SetError struct {
	Errno  syscall.Errno
	Reason string
}

// Error returns the reason and the errno's text.
func (e *SetError) Error() string { return e.Reason + ": " + e.Errno.Error() }

// Unwrap returns the errno.
func (e *SetError) Unwrap() error { return e.Errno }

// SetErrorf returns a *SetError with the errno and the formatted reason.
func SetErrorf(en syscall.Errno, format string, args ...any) error {
	return &SetError{Errno: en, Reason: fmt.Sprintf(format, args...)}
}
