// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"encoding/binary"
	"slices"
	"syscall"
	"testing"
)

func TestAFHeader(t *testing.T) {
	for _, c := range []struct {
		pkt  []byte
		ok   bool
		want []byte
	}{
		{[]byte{0x45, 0, 0, 20}, true, []byte{0, 0, 0, 2}},
		{[]byte{0x60, 0, 0, 0}, true, []byte{0, 0, 0, 28}},
		{[]byte{0x00}, false, nil},
		{[]byte{0x75}, false, nil},
		{nil, false, nil},
	} {
		b := append([]byte{0xee, 0xee, 0xee, 0xee}, c.pkt...)
		if ok := putAFHeader(b); ok != c.ok {
			t.Errorf("putAFHeader(% x) = %v", c.pkt, ok)
			continue
		}
		if c.ok && !bytes.Equal(b[:4], c.want) {
			t.Errorf("header % x, want % x", b[:4], c.want)
		}
		if !bytes.Equal(b[4:], c.pkt) {
			t.Errorf("packet changed to % x", b[4:])
		}
	}
	for n, want := range map[int]int{0: 0, 3: 0, 4: 0, 5: 1, 1504: 1500} {
		if got := stripAFHeader(n); got != want {
			t.Errorf("stripAFHeader(%d) = %d, want %d", n, got, want)
		}
	}
}

// ifMsg builds an RTM_IFINFO message as FreeBSD lays it out: struct
// if_msghdr is 168 bytes on both ABIs.
func ifMsg(index uint16, flags, mtu uint32) []byte {
	b := make([]byte, 168)
	binary.NativeEndian.PutUint16(b[0:], uint16(len(b)))
	b[2], b[3] = rtmVersion, rtmIfInfo
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint16(b[12:], index)
	b[16] = 0x17 // ifi_type IFT_PPP, as tun(4) sets it
	binary.NativeEndian.PutUint32(b[24:], mtu)
	return b
}

// announceMsg builds an RTM_IFANNOUNCE message as rt_ifannouncemsg in
// sys/net/rtsock.c lays out struct if_announcemsghdr: ifan_msglen,
// ifan_version, ifan_type, ifan_index, ifan_name[IFNAMSIZ], ifan_what;
// 24 bytes on both ABIs.
func announceMsg(index uint16, name string, what uint16) []byte {
	b := make([]byte, 24)
	binary.NativeEndian.PutUint16(b[0:], uint16(len(b)))
	b[2], b[3] = rtmVersion, rtmIfAnnounce
	binary.NativeEndian.PutUint16(b[4:], index)
	copy(b[6:6+15], name)
	binary.NativeEndian.PutUint16(b[22:], what)
	return b
}

// addrMsg builds an RTM_NEWADDR message: struct ifa_msghdr keeps
// ifam_index at offset 12, as struct if_msghdr does.
func addrMsg(index uint16) []byte {
	b := make([]byte, 20)
	binary.NativeEndian.PutUint16(b[0:], uint16(len(b)))
	b[2], b[3] = rtmVersion, rtmNewAddr
	binary.NativeEndian.PutUint16(b[12:], index)
	return b
}

func TestParseRouteMessage(t *testing.T) {
	routeAdd := ifMsg(7, 1, 1420)
	routeAdd[3] = 0x1 // RTM_ADD: not about an interface's state
	oldVersion := ifMsg(7, 1, 1420)
	oldVersion[2] = 4
	for _, c := range []struct {
		name string
		msg  []byte
		ok   bool
		want routeMsg
	}{
		{"ifinfo", ifMsg(7, bsdIFFUp|bsdIFFBroadcast, 1420), true, routeMsg{typ: rtmIfInfo, index: 7}},
		{"newaddr", addrMsg(9), true, routeMsg{typ: rtmNewAddr, index: 9}},
		{"departure", announceMsg(7, "wg0", ifanDeparture), true, routeMsg{typ: rtmIfAnnounce, index: 7, what: ifanDeparture}},
		{"arrival", announceMsg(7, "vpn0", ifanArrival), true, routeMsg{typ: rtmIfAnnounce, index: 7, what: ifanArrival}},
		{"other type", routeAdd, false, routeMsg{typ: 1}},
		{"other version", oldVersion, false, routeMsg{}},
		{"truncated", ifMsg(7, 1, 1420)[:12], false, routeMsg{typ: rtmIfInfo}},
		{"truncated announce", announceMsg(7, "wg0", ifanDeparture)[:20], false, routeMsg{typ: rtmIfAnnounce}},
		{"empty", nil, false, routeMsg{}},
	} {
		got, ok := parseRouteMessage(c.msg)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestRouteDecision covers the other messages: a real departure (the tun
// destroyed, so TUNGIFNAME fails, or moved to another vnet, where its
// name has no index here), messages about other interfaces, any message
// for our index, and a return under a new index.
func TestRouteDecision(t *testing.T) {
	const index = 7
	gone := func() (int, bool) { return 0, false }
	here := func(i int) func() (int, bool) { return func() (int, bool) { return i, true } }
	for _, c := range []struct {
		name   string
		msg    []byte
		locate func() (int, bool)
		want   routeAction
		next   int
	}{
		{"destroyed", announceMsg(index, "wg0", ifanDeparture), gone, routeGone, index},
		{"other index under our name", announceMsg(index, "wg0", ifanDeparture), here(9), routeGone, index},
		{"other departure", announceMsg(3, "lo1", ifanDeparture), here(index), routeIgnore, index},
		{"other arrival", announceMsg(3, "lo1", ifanArrival), here(index), routeIgnore, index},
		{"back under a new index", announceMsg(12, "wg0", ifanArrival), here(12), routeResync, 12},
		{"ifinfo", ifMsg(index, bsdIFFUp, 1420), nil, routeResync, index},
		{"newaddr", addrMsg(index), nil, routeResync, index},
		{"other ifinfo", ifMsg(3, bsdIFFUp, 1500), nil, routeIgnore, index},
	} {
		m, ok := parseRouteMessage(c.msg)
		if !ok {
			t.Fatalf("%s: not parsed", c.name)
		}
		got, next := routeDecision(m, index, c.locate)
		if got != c.want || next != c.next {
			t.Errorf("%s: got %v, index %d; want %v, %d", c.name, got, next, c.want, c.next)
		}
	}
}

func TestND6Flags(t *testing.T) {
	const performNUD, ifDisabled = 0x1, 0x8
	for in, want := range map[uint32]uint32{
		0:                                nd6IFFNoDAD,
		performNUD | nd6IFFAutoLinklocal: performNUD | nd6IFFNoDAD,
		ifDisabled | nd6IFFAutoLinklocal: ifDisabled | nd6IFFNoDAD,
		nd6IFFNoDAD:                      nd6IFFNoDAD,
		0xffffffff:                       0xffffffff &^ nd6IFFAutoLinklocal,
	} {
		if got := nd6Flags(in); got != want {
			t.Errorf("nd6Flags(%#x) = %#x, want %#x", in, got, want)
		}
	}
}

func TestOpenedBy(t *testing.T) {
	for s, want := range map[string]int{
		"\tOpened by PID 1234\n": 1234,
		"":                       0,
		"\tOpened by PID \n":     0,
		"garbage":                0,
	} {
		if got := openedBy(s); got != want {
			t.Errorf("openedBy(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestDriverOf(t *testing.T) {
	for s, want := range map[string]string{
		"tun3\x00": "tun",
		"tun0":     "tun",
		"wg12\x00": "wg",
		"lo0":      "lo",
		"epair":    "epair",
	} {
		if got := driverOf(s); got != want {
			t.Errorf("driverOf(%q) = %q, want %q", s, got, want)
		}
	}
	if got := driverNameMIB(5); got != [6]int32{4, 18, 0, 2, 5, 3} {
		t.Errorf("driverNameMIB = %v", got)
	}
}

type sockOpt struct{ level, name, value int }

// TestSetRouteSockOpts checks the routing socket options: SO_RERROR
// (0x00020000 in sys/sys/socket.h, "keep track of receive errors"),
// tolerated as missing (ENOPROTOOPT on kernels from before it) or refused
// for any other reason, since only the overflow report is lost, and the
// largest receive buffer the kernel accepts.
func TestSetRouteSockOpts(t *testing.T) {
	for _, c := range []struct {
		name string
		fail map[sockOpt]error
		want []sockOpt
	}{
		{"all accepted", nil, []sockOpt{{0xffff, 0x20000, 1}, {0xffff, 0x1002, 1 << 20}}},
		{"no SO_RERROR", map[sockOpt]error{{0xffff, 0x20000, 1}: syscall.Errno(42)},
			[]sockOpt{{0xffff, 0x20000, 1}, {0xffff, 0x1002, 1 << 20}}},
		{"small maxsockbuf", map[sockOpt]error{{0xffff, 0x1002, 1 << 20}: syscall.Errno(55)},
			[]sockOpt{{0xffff, 0x20000, 1}, {0xffff, 0x1002, 1 << 20}, {0xffff, 0x1002, 256 << 10}}},
		{"SO_RERROR refused", map[sockOpt]error{{0xffff, 0x20000, 1}: syscall.Errno(22)},
			[]sockOpt{{0xffff, 0x20000, 1}, {0xffff, 0x1002, 1 << 20}}},
	} {
		var got []sockOpt
		setRouteSockOpts(func(level, name, value int) error {
			o := sockOpt{level, name, value}
			got = append(got, o)
			return c.fail[o]
		})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: set %v; want %v", c.name, got, c.want)
		}
	}
}

// FuzzRouteMessage feeds arbitrary routing socket messages to the parser
// and the decision: no panic, and the index followed afterwards is either
// ours or the one the message names.
func FuzzRouteMessage(f *testing.F) {
	f.Add(ifMsg(7, bsdIFFUp, 1420), 7, 7, true)
	f.Add(addrMsg(7), 7, 7, true)
	f.Add(announceMsg(7, "wg0", ifanDeparture), 7, 7, true)
	f.Add(announceMsg(9, "vpn0", ifanArrival), 7, 9, true)
	f.Add(announceMsg(7, "wg0", ifanDeparture), 7, 0, false)
	f.Fuzz(func(t *testing.T, msg []byte, index, located int, found bool) {
		m, ok := parseRouteMessage(msg)
		if !ok {
			return
		}
		if m.index < 0 || m.index > 0xffff {
			t.Fatalf("index %d out of a u_short", m.index)
		}
		a, next := routeDecision(m, index, func() (int, bool) { return located, found })
		if next != index && next != m.index {
			t.Fatalf("decision %v moved to index %d, neither %d nor the message's %d", a, next, index, m.index)
		}
		if a == routeGone && m.index != index {
			t.Fatalf("gone for a message about index %d, not ours (%d)", m.index, index)
		}
	})
}
