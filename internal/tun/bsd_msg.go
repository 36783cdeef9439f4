// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// Pure helpers for the FreeBSD adapter: the packet framing, the routing
// socket messages and the answers of a few kernel queries. Like
// bsd_abi.go, this file builds and is tested on every host.

// afHeaderLen is the length of the address-family header that tun(4)
// puts in front of every packet in TUNSIFHEAD mode.
const afHeaderLen = 4

// putAFHeader fills the 4 bytes at the start of b with the big-endian
// address family of the IP packet that follows them. It fails for a
// packet that is neither IPv4 nor IPv6.
func putAFHeader(b []byte) bool {
	if len(b) <= afHeaderLen {
		return false
	}
	var af uint32
	switch b[afHeaderLen] >> 4 {
	case 4:
		af = bsdAFInet
	case 6:
		af = bsdAFInet6
	default:
		return false
	}
	binary.BigEndian.PutUint32(b, af)
	return true
}

// stripAFHeader turns the length of a read that began 4 bytes before the
// packet into the packet's length. A read too short to hold the header
// yields 0, which callers skip.
func stripAFHeader(n int) int {
	return max(n-afHeaderLen, 0)
}

// Offsets in the routing socket messages, from <net/if.h>. They are the
// same on both ABIs: every field is fixed-size, and struct if_data, which
// follows the 16-byte header of struct if_msghdr, holds only fixed-size
// fields since FreeBSD 11. struct ifa_msghdr and struct ifma_msghdr keep
// their interface index where struct if_msghdr does.
const (
	rtmLenOff     = 0  // u_short ifm_msglen
	rtmVersionOff = 2  // u_char ifm_version
	rtmTypeOff    = 3  // u_char ifm_type
	ifmIndexOff   = 12 // u_short ifm_index, ifam_index, ifmam_index
	ifanIndexOff  = 4  // u_short ifan_index
	ifanWhatOff   = 22 // u_short ifan_what, after char ifan_name[IFNAMSIZ]
)

// routeMsg is what wgd reads of one routing socket message: its type,
// the interface it is about, and for RTM_IFANNOUNCE whether that
// interface arrived or departed.
type routeMsg struct {
	typ   byte
	index int
	what  int // ifan_what of RTM_IFANNOUNCE
}

// parseRouteMessage reads one routing socket message that names an
// interface: RTM_IFINFO, the address messages and RTM_IFANNOUNCE. Any
// other message yields ok == false.
func parseRouteMessage(b []byte) (m routeMsg, ok bool) {
	if len(b) < rtmTypeOff+1 || b[rtmVersionOff] != rtmVersion {
		return m, false
	}
	if n := int(binary.NativeEndian.Uint16(b[rtmLenOff:])); n < len(b) {
		if n <= rtmTypeOff {
			return m, false
		}
		b = b[:n]
	}
	m.typ = b[rtmTypeOff]
	switch m.typ {
	case rtmIfInfo, rtmNewAddr, rtmDelAddr, rtmNewMAddr, rtmDelMAddr:
		if len(b) < ifmIndexOff+2 {
			return m, false
		}
		m.index = int(binary.NativeEndian.Uint16(b[ifmIndexOff:]))
		return m, true
	case rtmIfAnnounce:
		if len(b) < ifanWhatOff+2 {
			return m, false
		}
		m.index = int(binary.NativeEndian.Uint16(b[ifanIndexOff:]))
		m.what = int(binary.NativeEndian.Uint16(b[ifanWhatOff:]))
		return m, true
	}
	return m, false
}

// routeAction is what the event goroutine does about one routing socket
// message.
type routeAction int

const (
	// routeIgnore: the message is about another interface.
	routeIgnore routeAction = iota
	// routeResync: read the interface's state with ioctls and report
	// it. The message itself is not trusted for the state: it may be
	// stale, and one lost to an overflow is never seen.
	routeResync
	// routeGone: the interface has left this system; report it down.
	routeGone
)

// routeDecision decides what the message m means for the tun whose
// interface has the given index. locate reports where the tun is now,
// as locateTun does: the index that its current name (TUNGIFNAME) has in
// this system, or false when the tun is destroyed or is not here (moved
// to another vnet). It is asked only about announcements, which are
// rare. index is the index to follow from now on: an arrival can bring
// the tun back under a new one.
//
// A departure is not a destruction: a rename announces the departure of
// the old name and the arrival of the new one, for the same interface
// and index. A departure is final only when locate no longer finds the
// tun at that index.
func routeDecision(m routeMsg, index int, locate func() (int, bool)) (routeAction, int) {
	if m.typ != rtmIfAnnounce {
		if m.index == index {
			return routeResync, index
		}
		return routeIgnore, index
	}
	switch {
	case m.what == ifanDeparture && m.index == index:
		if cur, ok := locate(); ok && cur == index {
			return routeResync, index
		}
		return routeGone, index
	case m.what == ifanArrival && m.index == index:
		return routeResync, index
	case m.what == ifanArrival:
		if cur, ok := locate(); ok && cur == m.index {
			return routeResync, m.index
		}
	}
	return routeIgnore, index
}

// nd6Flags returns the ND6 interface flags wgd wants, given the current
// ones: no automatic link-local address and no duplicate address
// detection. ND6_IFF_IFDISABLED is left alone: the kernel clears it by
// itself when an address, fe80:: or other, is configured by hand.
func nd6Flags(flags uint32) uint32 {
	return flags&^nd6IFFAutoLinklocal | nd6IFFNoDAD
}

// openedBy parses the text tun(4) returns for SIOCGIFSTATUS,
// "\tOpened by PID 1234\n", and returns the PID, or 0 when no process
// holds the tun open.
func openedBy(status string) int {
	const prefix = "Opened by PID "
	i := strings.Index(status, prefix)
	if i < 0 {
		return 0
	}
	rest := status[i+len(prefix):]
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	pid, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0
	}
	return pid
}

// driverOf returns the driver part of the name the kernel reports for
// IFDATA_DRIVERNAME: the driver name followed by the unit number, such as
// "tun3" for a tun interface renamed to "wg0".
func driverOf(s string) string {
	s = cString([]byte(s))
	return strings.TrimRight(s, "0123456789")
}

// driverNameMIB is the sysctl MIB that returns an interface's driver
// name: net.link.generic.ifdata.<index>.drivername, that is CTL_NET,
// PF_LINK, NETLINK_GENERIC, IFMIB_IFDATA, the index, IFDATA_DRIVERNAME.
func driverNameMIB(index int) [6]int32 {
	return [6]int32{4, 18, 0, 2, int32(index), 3}
}

// Routing socket options, from <sys/socket.h>.
const (
	bsdSOLSocket = 0xffff  // SOL_SOCKET
	bsdSORcvBuf  = 0x1002  // SO_RCVBUF
	bsdSORError  = 0x20000 // SO_RERROR: "keep track of receive errors"
)

// routeRcvBufs are the receive buffer sizes tried for the routing
// socket, largest first. The kernel's default (8 KiB) holds fewer than
// fifty RTM_IFINFO messages, which route churn on a busy router fills.
var routeRcvBufs = []int{1 << 20, 256 << 10, 64 << 10}

// setRouteSockOpts prepares a routing socket for a reader that must not
// miss a change. SO_RERROR makes the kernel report an overflow of the
// socket's receive buffer to the next read as ENOBUFS instead of
// dropping messages silently (the socket layer's soroverflow sets
// so_rerror only for a socket with the option), and the reader then
// resyncs. Kernels from before the option (commit 7045b1603bdf) refuse
// it; nothing is lost but the report, so any refusal is ignored, and the
// larger buffer and the periodic resync (routeResyncEvery), which also
// covers the drops in the netisr queue that no option reports, stand in.
// A buffer size the kernel refuses (above kern.ipc.maxsockbuf) is tried
// smaller, down to the default.
func setRouteSockOpts(setsockopt func(level, name, value int) error) {
	setsockopt(bsdSOLSocket, bsdSORError, 1)
	for _, size := range routeRcvBufs {
		if setsockopt(bsdSOLSocket, bsdSORcvBuf, size) == nil {
			break
		}
	}
}
