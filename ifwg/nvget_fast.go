// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/binary"
	"math"
	"syscall"

	"github.com/wgbsd/wgbsd/nvlist"
)

// Sizes of the packed format's fixed parts.
const (
	nvMarkerLen = nvlist.PairHeaderSize + 1 // a pair header and an empty name
)

// AppendGet appends to b the packed SIOCGWG reply for d: the same bytes as
// EncodeGet followed by Pack, written in one pass over d without building
// the nvlist, which is what a daemon answering GETs for many peers wants.
// TestAppendGetMatchesEncodeGet holds the two to the same output.
func AppendGet(b []byte, d *Device, privileged bool) ([]byte, error) {
	g := getWriter{privileged: privileged}
	total := g.size(d)
	if total > math.MaxInt32 {
		return nil, &nvlist.Error{Op: "pack", Offset: -1, Errno: syscall.ENOMEM, Reason: "reply too large"}
	}
	start := len(b)
	g.buf = append(b, make([]byte, total)...)[:start]
	g.end = start + total
	g.header()
	g.device(d)
	return g.buf, nil
}

// getWriter writes a GET reply into buf, which has room for exactly end
// bytes.
type getWriter struct {
	buf        []byte
	end        int
	privileged bool
}

// pairSize is the packed size of a pair with this name and data size.
func pairSize(name string, data int) int { return nvlist.PairHeaderSize + len(name) + 1 + data }

// size returns the packed size of d's reply.
func (g *getWriter) size(d *Device) int {
	n := nvlist.HeaderSize
	if d.ListenPort != 0 {
		n += pairSize(NVListenPort, 8)
	}
	if d.FwMark != 0 {
		n += pairSize(NVUserCookie, 8)
	}
	if d.PublicKey != nil {
		n += pairSize(NVPublicKey, KeyLen)
		if g.privileged && d.PrivateKey != nil {
			n += pairSize(NVPrivateKey, KeyLen)
		}
	}
	if len(d.Peers) > 0 {
		n += pairSize(NVPeers, 0)
		for i := range d.Peers {
			n += nvlist.HeaderSize + g.peerSize(&d.Peers[i]) + nvMarkerLen
		}
	}
	return n
}

func (g *getWriter) peerSize(p *Peer) int {
	n := pairSize(NVPublicKey, KeyLen)
	if g.privileged {
		n += pairSize(NVPresharedKey, KeyLen)
	}
	if p.Endpoint.Addr.Is4() {
		n += pairSize(NVEndpoint, sockaddrInLen)
	} else if p.Endpoint.Addr.Is6() {
		n += pairSize(NVEndpoint, sockaddrIn6)
	}
	n += pairSize(NVLastHandshakeTime, lastHandshakeLen) + pairSize(NVKeepalive, 8) +
		pairSize(NVRxBytes, 8) + pairSize(NVTxBytes, 8)
	if len(p.AllowedIPs) > 0 {
		n += pairSize(NVAllowedIPs, 0)
		for _, pfx := range p.AllowedIPs {
			n += nvlist.HeaderSize + pairSize(NVCIDR, 8) + nvMarkerLen
			if pfx.Addr().Is4() {
				n += pairSize(NVIPv4, 4)
			} else {
				n += pairSize(NVIPv6, 16)
			}
		}
	}
	return n
}

// header writes a list header whose size is the bytes left after it.
func (g *getWriter) header() {
	at := len(g.buf)
	g.buf = append(g.buf, nvlist.Magic, 0, 0)
	g.buf = binary.LittleEndian.AppendUint64(g.buf, 0)
	g.buf = binary.LittleEndian.AppendUint64(g.buf, uint64(g.end-at-nvlist.HeaderSize))
}

func (g *getWriter) pair(t nvlist.Type, name string, data, items int) {
	g.buf = append(g.buf, byte(t))
	g.buf = binary.LittleEndian.AppendUint16(g.buf, uint16(len(name)+1))
	g.buf = binary.LittleEndian.AppendUint64(g.buf, uint64(data))
	g.buf = binary.LittleEndian.AppendUint64(g.buf, uint64(items))
	g.buf = append(g.buf, name...)
	g.buf = append(g.buf, 0)
}

func (g *getWriter) number(name string, v uint64) {
	g.pair(nvlist.TypeNumber, name, 8, 0)
	g.buf = binary.LittleEndian.AppendUint64(g.buf, v)
}

func (g *getWriter) binary(name string, v []byte) {
	g.pair(nvlist.TypeBinary, name, len(v), 0)
	g.buf = append(g.buf, v...)
}

func (g *getWriter) arrayNext() {
	g.pair(nvlist.TypeArrayNext, "", 0, 0)
}

func (g *getWriter) device(d *Device) {
	if d.ListenPort != 0 {
		g.number(NVListenPort, uint64(d.ListenPort))
	}
	if d.FwMark != 0 {
		g.number(NVUserCookie, uint64(d.FwMark))
	}
	if d.PublicKey != nil {
		g.binary(NVPublicKey, d.PublicKey[:])
		if g.privileged && d.PrivateKey != nil {
			g.binary(NVPrivateKey, d.PrivateKey[:])
		}
	}
	if len(d.Peers) == 0 {
		return
	}
	g.pair(nvlist.TypeNVListArray, NVPeers, 0, len(d.Peers))
	for i := range d.Peers {
		g.header()
		g.peer(&d.Peers[i])
		g.arrayNext()
	}
}

func (g *getWriter) peer(p *Peer) {
	g.binary(NVPublicKey, p.PublicKey[:])
	if g.privileged {
		var psk Key
		if p.PresharedKey != nil {
			psk = *p.PresharedKey
		}
		g.binary(NVPresharedKey, psk[:])
	}
	if p.Endpoint.IsValid() {
		var sa [sockaddrIn6]byte
		b, _ := p.Endpoint.appendSockaddr(sa[:0])
		g.binary(NVEndpoint, b)
	}
	var hs [lastHandshakeLen]byte
	binary.LittleEndian.PutUint64(hs[:], uint64(p.LastHandshake.Sec))
	binary.LittleEndian.PutUint64(hs[8:], uint64(p.LastHandshake.Nsec))
	g.binary(NVLastHandshakeTime, hs[:])
	g.number(NVKeepalive, uint64(p.PersistentKeepalive))
	g.number(NVRxBytes, p.RxBytes)
	g.number(NVTxBytes, p.TxBytes)
	if len(p.AllowedIPs) == 0 {
		return
	}
	g.pair(nvlist.TypeNVListArray, NVAllowedIPs, 0, len(p.AllowedIPs))
	for _, pfx := range p.AllowedIPs {
		g.header()
		var buf [16]byte
		g.binary(addrKey(pfx.Addr(), &buf))
		g.number(NVCIDR, uint64(pfx.Bits()))
		g.arrayNext()
	}
}
