// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Layout of the rtnetlink link messages, from <linux/netlink.h> and
// <linux/rtnetlink.h>: a 16-byte nlmsghdr, a 16-byte ifinfomsg, then
// 4-byte aligned attributes.
const (
	nlmsgLenOff    = 0 // u32 nlmsg_len
	nlmsgTypeOff   = 4 // u16 nlmsg_type
	ifiIndexOff    = 4 // s32 ifi_index, within ifinfomsg
	ifiFlagsOff    = 8 // u32 ifi_flags, within ifinfomsg
	rtaHeaderLen   = 4 // u16 rta_len, u16 rta_type
	nlAlign        = 4 // NLMSG_ALIGNTO and RTA_ALIGNTO
	linkMessageMin = unix.SizeofNlMsghdr + unix.SizeofIfInfomsg
)

func nlAligned(n int) int { return (n + nlAlign - 1) &^ (nlAlign - 1) }

// parseLinkMessages reads a buffer of rtnetlink messages and returns the
// last RTM_NEWLINK or RTM_DELLINK about the interface with the given
// index. Each such message carries the whole state of the link, so the
// last one is all that matters.
func parseLinkMessages(b []byte, index int) (u linkUpdate, ok bool) {
	for len(b) >= unix.SizeofNlMsghdr {
		n := int(binary.NativeEndian.Uint32(b[nlmsgLenOff:]))
		if n < unix.SizeofNlMsghdr || n > len(b) {
			break
		}
		if m, found := parseLinkMessage(b[:n], index); found {
			u, ok = m, true
		}
		b = b[min(nlAligned(n), len(b)):]
	}
	return u, ok
}

// parseLinkMessage reads one rtnetlink message.
func parseLinkMessage(m []byte, index int) (u linkUpdate, ok bool) {
	typ := binary.NativeEndian.Uint16(m[nlmsgTypeOff:])
	if (typ != unix.RTM_NEWLINK && typ != unix.RTM_DELLINK) || len(m) < linkMessageMin {
		return u, false
	}
	ifi := m[unix.SizeofNlMsghdr:]
	if int(int32(binary.NativeEndian.Uint32(ifi[ifiIndexOff:]))) != index {
		return u, false
	}
	u.gone = typ == unix.RTM_DELLINK
	u.up = binary.NativeEndian.Uint32(ifi[ifiFlagsOff:])&unix.IFF_UP != 0
	u.mtu = linkMTU(m[linkMessageMin:])
	return u, true
}

// linkMTU returns the IFLA_MTU attribute, or 0 if there is none.
func linkMTU(attrs []byte) int {
	for len(attrs) >= rtaHeaderLen {
		n := int(binary.NativeEndian.Uint16(attrs))
		typ := binary.NativeEndian.Uint16(attrs[2:])
		if n < rtaHeaderLen || n > len(attrs) {
			return 0
		}
		if typ == unix.IFLA_MTU && n >= rtaHeaderLen+4 {
			return int(binary.NativeEndian.Uint32(attrs[rtaHeaderLen:]))
		}
		attrs = attrs[min(nlAligned(n), len(attrs)):]
	}
	return 0
}
