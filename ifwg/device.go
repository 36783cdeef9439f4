// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"net/netip"
	"time"
)

// Device is the state of an interface as a GET reports it.
type Device struct {
	// Name is the interface name.
	Name string
	// PrivateKey is nil when the interface has no private key, or when the
	// caller may not read it.
	PrivateKey *Key
	// PublicKey is nil when the interface has no private key.
	PublicKey *Key
	// ListenPort is the configured port while the interface is down and
	// the bound port while it is up; 0 when none.
	ListenPort uint16
	// FwMark is the fwmark (user-cookie); 0 when off.
	FwMark uint32
	// Peers in the order the backend reports them.
	Peers []Peer
}

// Peer is the state of one peer.
type Peer struct {
	// PublicKey names the peer.
	PublicKey Key
	// PresharedKey is nil when the caller may not read it; the zero key
	// means the peer has none.
	PresharedKey *Key
	// Endpoint is the zero Endpoint when the peer has none.
	Endpoint Endpoint
	// LastHandshake is the wall-clock time of the last completed
	// handshake; zero when there has been none.
	LastHandshake Timespec
	// PersistentKeepalive is the keepalive interval in seconds; 0 when off.
	PersistentKeepalive uint16
	// RxBytes and TxBytes count received and sent WireGuard payload bytes.
	RxBytes, TxBytes uint64
	// AllowedIPs in the order the backend reports them (FreeBSD's kernel
	// and wgd: newest first).
	AllowedIPs []netip.Prefix
	// ProtocolVersion is the UAPI protocol_version; 0 when not reported.
	ProtocolVersion int
}

// Timespec is a wall-clock time as seconds and nanoseconds since the Unix
// epoch, the form the kernel and the UAPI report handshakes in.
type Timespec struct {
	Sec  int64
	Nsec int64
}

// IsZero reports whether the time is zero, meaning "never".
func (t Timespec) IsZero() bool { return t.Sec == 0 && t.Nsec == 0 }

// Time returns the time as a time.Time; the zero Timespec gives the zero
// time.Time.
func (t Timespec) Time() time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.Unix(t.Sec, t.Nsec)
}

// TimespecOf returns t as a Timespec; the zero time.Time gives the zero
// Timespec.
func TimespecOf(t time.Time) Timespec {
	if t.IsZero() {
		return Timespec{}
	}
	return Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}
