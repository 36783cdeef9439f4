// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"encoding/binary"
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

func announceMsg(index, what uint16) []byte {
	b := make([]byte, 24)
	binary.NativeEndian.PutUint16(b[0:], uint16(len(b)))
	b[2], b[3] = rtmVersion, rtmIfAnnounce
	binary.NativeEndian.PutUint16(b[4:], index)
	copy(b[6:], "wg0")
	binary.NativeEndian.PutUint16(b[22:], what)
	return b
}

func TestParseRouteMessage(t *testing.T) {
	newAddr := ifMsg(7, 1, 1420)
	newAddr[3] = 0xc // RTM_NEWADDR
	oldVersion := ifMsg(7, 1, 1420)
	oldVersion[2] = 4
	for _, c := range []struct {
		name string
		msg  []byte
		ok   bool
		want linkUpdate
	}{
		{"up", ifMsg(7, bsdIFFUp|bsdIFFBroadcast, 1420), true, linkUpdate{index: 7, up: true, mtu: 1420}},
		{"down", ifMsg(9, bsdIFFBroadcast|bsdIFFMulticast, 1280), true, linkUpdate{index: 9, mtu: 1280}},
		{"departure", announceMsg(7, ifanDeparture), true, linkUpdate{index: 7, gone: true}},
		{"arrival", announceMsg(7, 0), false, linkUpdate{}},
		{"other type", newAddr, false, linkUpdate{}},
		{"other version", oldVersion, false, linkUpdate{}},
		{"truncated", ifMsg(7, 1, 1420)[:20], false, linkUpdate{}},
		{"empty", nil, false, linkUpdate{}},
	} {
		got, ok := parseRouteMessage(c.msg)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
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
