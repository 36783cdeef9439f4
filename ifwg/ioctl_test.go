// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"
)

// The two C data models of FreeBSD's platforms, for the numbers of the
// builds other than this one.
var (
	abiLP64  = abi{ptrSize: 8}
	abiILP32 = abi{ptrSize: 4}
)

func TestIoctlNumbers(t *testing.T) {
	tests := []struct {
		name string
		got  uint32
		want uint32
	}{
		{"SIOCSWG LP64", abiLP64.siocswg(), 0xc02069d2},
		{"SIOCGWG LP64", abiLP64.siocgwg(), 0xc02069d3},
		{"SIOCSWG ILP32", abiILP32.siocswg(), 0xc01869d2},
		{"SIOCGWG ILP32", abiILP32.siocgwg(), 0xc01869d3},
		{"SIOCGIFGMEMB LP64", abiLP64.siocgifgmemb(), 0xc028698a},
		{"SIOCGIFGMEMB ILP32", abiILP32.siocgifgmemb(), 0xc024698a},
		// Cross-checks of the encoder against well-known FreeBSD numbers.
		{"SIOCIFCREATE2", iowr('i', 124, 32), 0xc020697c},
		{"SIOCIFDESTROY", ioc(iocIn, 'i', 121, 32), 0x80206979},
		{"control set = LP64 SIOCSWG", ControlSet, abiLP64.siocswg()},
		{"control get = LP64 SIOCGWG", ControlGet, abiLP64.siocgwg()},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

// TestNativeLayout checks that the Go structures handed to the kernel have
// the C layout of this build; running the test with GOARCH=386 checks the
// ILP32 layout.
func TestNativeLayout(t *testing.T) {
	var d wgDataIO
	if got, want := int(unsafe.Sizeof(d)), nativeABI.wgDataIOSize(); got != want {
		t.Errorf("sizeof(wg_data_io) = %d, want %d", got, want)
	}
	if off := unsafe.Offsetof(d.name); off != 0 {
		t.Errorf("offsetof(wgd_name) = %d, want 0", off)
	}
	if off := unsafe.Offsetof(d.data); off != ifNameSize {
		t.Errorf("offsetof(wgd_data) = %d, want 16", off)
	}
	if off, want := unsafe.Offsetof(d.size), uintptr(ifNameSize)+ptrSize; off != want {
		t.Errorf("offsetof(wgd_size) = %d, want %d", off, want)
	}
	var g ifGroupReq
	if got, want := int(unsafe.Sizeof(g)), nativeABI.ifgroupreqSize(); got != want {
		t.Errorf("sizeof(ifgroupreq) = %d, want %d", got, want)
	}
	if unsafe.Offsetof(g.name) != 0 || unsafe.Offsetof(g.length) != ifNameSize {
		t.Errorf("ifgr_name at %d, ifgr_len at %d; want 0 and 16", unsafe.Offsetof(g.name), unsafe.Offsetof(g.length))
	}
	if off, want := int(unsafe.Offsetof(g.groups)), nativeABI.align(ifNameSize+4); off != want {
		t.Errorf("offsetof(ifgr_ifgru) = %d, want %d", off, want)
	}
	want := map[uintptr]int{8: 32, 4: 24}[ptrSize]
	if nativeABI.wgDataIOSize() != want {
		t.Errorf("wg_data_io is %d bytes with %d-byte pointers, want %d", nativeABI.wgDataIOSize(), ptrSize, want)
	}
}

func TestIfName(t *testing.T) {
	for _, name := range []string{"wg0", "abcdefghijklmno"} {
		b, err := ifName(name)
		if err != nil || string(b[:len(name)]) != name || b[len(name)] != 0 {
			t.Errorf("ifName(%q) = %q, %v", name, b, err)
		}
	}
	if _, err := ifName("abcdefghijklmnop"); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("16-byte name: %v, want ENAMETOOLONG", err)
	}
	if _, err := ifName("a\x00b"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("name with NUL: %v, want EINVAL", err)
	}
}

func TestParseGroupMembers(t *testing.T) {
	buf := make([]byte, 3*ifgReqSize+5)
	copy(buf, "wg0")
	copy(buf[ifgReqSize:], "abcdefghijklmnop") // no NUL: all 16 bytes
	copy(buf[2*ifgReqSize:], "tun7")
	got := parseGroupMembers(buf)
	want := []string{"wg0", "abcdefghijklmnop", "tun7"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}
