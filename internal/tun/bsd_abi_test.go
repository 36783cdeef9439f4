// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"testing"
	"unsafe"
)

// The expected numbers are those of FreeBSD's headers as published by
// golang.org/x/sys/unix for freebsd/{amd64,arm64,386,arm}, and, for the
// tun(4) requests absent there, as computed by hand from <net/if_tun.h>.
// Every struct ifreq request has the same number on both ABIs, because
// the union's largest member is struct sockaddr on ILP32 and struct
// ifreq_buffer (two pointers) on LP64, both 16 bytes.
var wantIoctls = bsdIoctls{
	tunGIFName: 0x4020745d,
	tunSIFMode: 0x8004745e,
	tunSIFPID:  0x2000745f,
	tunSIFHead: 0x80047460,

	sIOCSIFFlags:   0x80206910,
	sIOCGIFFlags:   0xc0206911,
	sIOCGIFIndex:   0xc0206920,
	sIOCSIFName:    0x80206928,
	sIOCGIFMTU:     0xc0206933,
	sIOCSIFMTU:     0x80206934,
	sIOCGIFStatus:  0xc331693b,
	sIOCIFDestroy:  0x80206979,
	sIOCIFCreate2:  0xc020697c,
	sIOCGIFInfoIn6: 0xc048696c,
	sIOCSIFInfoIn6: 0xc048696d,
}

func TestIoctlNumbers(t *testing.T) {
	for _, abi := range []bsdABI{abiLP64, abiILP32} {
		if got := abi.ioctls(); got != wantIoctls {
			t.Errorf("ptrSize %d:\n got %#x\nwant %#x", abi.ptrSize, got, wantIoctls)
		}
	}
}

func TestIoctlEncoding(t *testing.T) {
	// _IOWR('i', 210, struct wg_data_io) from if_wg: {char[16]; void *;
	// size_t} is 32 bytes on LP64 and 24 on ILP32.
	for _, c := range []struct {
		got, want uint32
	}{
		{iocRdWr('i', 210, 32), 0xc02069d2},
		{iocRdWr('i', 211, 32), 0xc02069d3},
		{iocRdWr('i', 210, 24), 0xc01869d2},
		{iocNone('t', 95), 0x2000745f},
		{iocRead('t', 97, 4), 0x40047461},
		// The length field is 13 bits wide.
		{iocWrite('x', 1, 0x2001), 0x80017801},
	} {
		if c.got != c.want {
			t.Errorf("got %#x, want %#x", c.got, c.want)
		}
	}
}

func TestStructSizes(t *testing.T) {
	for _, c := range []struct {
		abi           bsdABI
		ifreq, ifstat uintptr
		ndireq        uintptr
	}{
		{abiLP64, 32, 817, 72},
		{abiILP32, 32, 817, 72},
	} {
		if got := c.abi.ifreqSize(); got != c.ifreq {
			t.Errorf("ptrSize %d: ifreq %d, want %d", c.abi.ptrSize, got, c.ifreq)
		}
		if got := c.abi.ifstatSize(); got != c.ifstat {
			t.Errorf("ptrSize %d: ifstat %d, want %d", c.abi.ptrSize, got, c.ifstat)
		}
		if got := c.abi.ndireqSize(); got != c.ndireq {
			t.Errorf("ptrSize %d: in6_ndireq %d, want %d", c.abi.ptrSize, got, c.ndireq)
		}
	}
}

// TestNativeLayouts checks the Go mirrors of the C structures against the
// ABI of the architecture the test runs on. Run it with GOARCH=386 (or
// arm) as well as amd64 (or arm64) to cover both ABIs.
func TestNativeLayouts(t *testing.T) {
	abi := nativeABI
	if abi != abiLP64 && abi != abiILP32 {
		t.Fatalf("unexpected pointer size %d", abi.ptrSize)
	}
	var p ifreqPtr
	var nd in6Ndireq
	for _, c := range []struct {
		what      string
		got, want uintptr
	}{
		{"sizeof(ifreq)", unsafe.Sizeof(ifreq{}), abi.ifreqSize()},
		{"sizeof(ifreq) with ifr_data", unsafe.Sizeof(p), abi.ifreqSize()},
		{"offsetof(ifr_data)", unsafe.Offsetof(p.data), ifNameSize},
		{"sizeof(in6_ndireq)", unsafe.Sizeof(nd), abi.ndireqSize()},
		{"offsetof(ndi.flags)", unsafe.Offsetof(nd.flags), ifNameSize + 5*4},
		{"offsetof(ndi.chlim)", unsafe.Offsetof(nd.chlim), ifNameSize + 7*4},
		{"offsetof(ndi.randomid)", unsafe.Offsetof(nd.randomid), ifNameSize + 7*4 + 2 + 16},
		{"sizeof(ifstat)", unsafe.Sizeof(ifstat{}), abi.ifstatSize()},
	} {
		if c.got != c.want {
			t.Errorf("ptrSize %d: %s = %d, want %d", abi.ptrSize, c.what, c.got, c.want)
		}
	}
}

func TestNamedStructs(t *testing.T) {
	var x byte
	p := newIfreqPtr("tun0", unsafe.Pointer(&x))
	nd := newNdireq("wg0")
	st := newIfstat("a-name-longer-than-ifnamsiz")
	copy(st.ascii[:], "\tOpened by PID 7\n\x00junk")
	if cString(p.name[:]) != "tun0" || p.data != unsafe.Pointer(&x) || cString(nd.name[:]) != "wg0" ||
		cString(st.name[:]) != "a-name-longer-t" || st.text() != "\tOpened by PID 7\n" {
		t.Errorf("got %q %v %q %q %q", p.name, p.data, nd.name, st.name, st.text())
	}
}

func TestIfreqFields(t *testing.T) {
	r := newIfreq("a-name-longer-than-ifnamsiz")
	if got := r.name(); got != "a-name-longer-t" {
		t.Errorf("name %q", got)
	}
	r.setFlags(0x12345678)
	if r.flags() != 0x12345678 || r.uint16() != 0x5678 {
		t.Errorf("flags %#x, short %#x", r.flags(), r.uint16())
	}
	r.setInt32(-2)
	if r.int32() != -2 {
		t.Errorf("int %d", r.int32())
	}
	if r[ifNameSize-1] != 0 {
		t.Error("name not NUL-terminated")
	}
}
