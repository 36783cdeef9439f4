// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// FreeBSD's ioctl command encoding (sys/sys/ioccom.h): the direction bits,
// the parameter length in bits 16..28, the group letter and the number.
const (
	iocOut      = 0x40000000
	iocIn       = 0x80000000
	iocInOut    = iocIn | iocOut
	iocParmMask = 0x1fff
)

// ioc encodes an ioctl command as FreeBSD's _IOC macro does.
func ioc(inout uint32, group byte, num byte, length int) uint32 {
	return inout | uint32(length&iocParmMask)<<16 | uint32(group)<<8 | uint32(num)
}

// iowr encodes a read-write ioctl command, FreeBSD's _IOWR.
func iowr(group byte, num byte, length int) uint32 {
	return ioc(iocInOut, group, num, length)
}

// ifNameSize is IFNAMSIZ: interface names are at most 15 bytes and a NUL.
const ifNameSize = 16

// MaxNameLen is the longest interface name, in bytes: IFNAMSIZ less the
// terminating NUL. It holds for the kernel's interfaces and wgd's alike.
const MaxNameLen = ifNameSize - 1

// abi describes the C data model of a FreeBSD build: LP64 (amd64, arm64)
// or ILP32 (i386, armv7). Only the pointer size matters for the structures
// used here.
type abi struct {
	ptrSize int
}

// align rounds n up to a multiple of the pointer size.
func (a abi) align(n int) int {
	return (n + a.ptrSize - 1) &^ (a.ptrSize - 1)
}

// wgDataIOSize is sizeof(struct wg_data_io): the interface name, the
// pointer to the packed nvlist and its size_t length.
func (a abi) wgDataIOSize() int {
	return ifNameSize + 2*a.ptrSize
}

// siocswg is SIOCSWG, _IOWR('i', 210, struct wg_data_io).
func (a abi) siocswg() uint32 { return iowr('i', 210, a.wgDataIOSize()) }

// siocgwg is SIOCGWG, _IOWR('i', 211, struct wg_data_io).
func (a abi) siocgwg() uint32 { return iowr('i', 211, a.wgDataIOSize()) }

// ifgroupreqSize is sizeof(struct ifgroupreq): the name, a u_int length,
// then a union of a 16-byte group name and a pointer, aligned for the
// pointer.
func (a abi) ifgroupreqSize() int {
	return a.align(ifNameSize+4) + a.align(ifNameSize)
}

// siocgifgmemb is SIOCGIFGMEMB, _IOWR('i', 138, struct ifgroupreq).
func (a abi) siocgifgmemb() uint32 { return iowr('i', 138, a.ifgroupreqSize()) }

// ifgReqSize is sizeof(struct ifg_req): one 16-byte name.
const ifgReqSize = ifNameSize

// wgGroup is the interface group every if_wg interface belongs to.
const wgGroup = "wg"

// parseGroupMembers returns the member names in a SIOCGIFGMEMB answer of
// n bytes: consecutive 16-byte, NUL-padded names.
func parseGroupMembers(buf []byte) []string {
	var names []string
	for len(buf) >= ifgReqSize {
		name := buf[:ifgReqSize]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) > 0 {
			names = append(names, string(name))
		}
		buf = buf[ifgReqSize:]
	}
	return names
}

// ifName returns name as the NUL-terminated 16-byte array the kernel
// expects. A name of 16 bytes or more is refused with ENAMETOOLONG, as
// newer wg(8) refuses it, rather than cut to 15 bytes as strlcpy would cut
// it, which could address another interface; so is a name with a NUL.
func ifName(name string) ([ifNameSize]byte, error) {
	var b [ifNameSize]byte
	if len(name) >= ifNameSize {
		return b, fmt.Errorf("interface name %q: %w", name, syscall.ENAMETOOLONG)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return b, fmt.Errorf("interface name %q contains NUL: %w", name, syscall.EINVAL)
	}
	copy(b[:], name)
	return b, nil
}

// getCall issues one SIOCGWG for the interface. With a nil buf it only asks
// for the reply's size. It returns the size the kernel stored in wgd_size.
type getCall func(buf []byte) (int, error)

// maxGetAttempts bounds the retries when the configuration keeps growing
// between the size query and the read.
const maxGetAttempts = 8

// kernelGetBytes runs SIOCGWG's size negotiation: ask for the size, read
// into a buffer of that size, and when the kernel answers ENOSPC because the
// configuration grew in between, ask again with room to spare instead of
// failing as wg(8) does.
func kernelGetBytes(call getCall) ([]byte, error) {
	slack := 0
	for attempt := 0; attempt < maxGetAttempts; attempt++ {
		size, err := call(nil)
		if err != nil {
			return nil, err
		}
		if size <= 0 {
			return nil, fmt.Errorf("kernel reported a reply of %d bytes: %w", size, syscall.EBADMSG)
		}
		buf := make([]byte, size+slack)
		n, err := call(buf)
		if errors.Is(err, syscall.ENOSPC) {
			slack = size/4 + 4096
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 || n > len(buf) {
			return nil, fmt.Errorf("kernel reported %d bytes for a %d-byte buffer: %w", n, len(buf), syscall.EBADMSG)
		}
		return buf[:n], nil
	}
	return nil, fmt.Errorf("configuration kept growing during %d reads: %w",
		maxGetAttempts, &Errno{Op: "get", Errno: syscall.ENOSPC})
}
