// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"
	"unsafe"
)

// This file describes the FreeBSD kernel interfaces that the tun(4)
// adapter uses: ioctl numbers and structure layouts. It is plain Go with
// no build constraint so that its tests run on any host and for both ABIs
// FreeBSD supports: LP64 (amd64, arm64) and ILP32 (i386, armv7). The
// numbers are derived from the structure sizes exactly as <sys/ioccom.h>
// does, never pasted.

// bsdABI is the part of a FreeBSD ABI that the ioctl structures depend
// on.
type bsdABI struct {
	ptrSize uintptr // sizeof(void *), which is also sizeof(size_t)
}

var (
	abiLP64  = bsdABI{ptrSize: 8}
	abiILP32 = bsdABI{ptrSize: 4}
	// nativeABI is the ABI of the running program.
	nativeABI = bsdABI{ptrSize: unsafe.Sizeof(uintptr(0))}
)

// Structure sizes from FreeBSD's headers.
const (
	bsdSockaddrSize = 16                // struct sockaddr
	bsdIfstatMax    = 800               // IFSTATMAX in <net/if.h>
	bsdNdIfinfoSize = 7*4 + 2 + 3*8 + 2 // struct nd_ifinfo, padded to 4
)

// ifreqSize is sizeof(struct ifreq): the name, then a union whose largest
// members are struct sockaddr (16 bytes) and struct ifreq_buffer {size_t;
// void *} (two pointers).
func (a bsdABI) ifreqSize() uintptr {
	return ifNameSize + max(bsdSockaddrSize, 2*a.ptrSize)
}

// ndireqSize is sizeof(struct in6_ndireq): a name and a struct nd_ifinfo,
// which holds no pointer or long.
func (a bsdABI) ndireqSize() uintptr { return ifNameSize + bsdNdIfinfoSize }

// ifstatSize is sizeof(struct ifstat): a name and IFSTATMAX+1 characters.
func (a bsdABI) ifstatSize() uintptr { return ifNameSize + bsdIfstatMax + 1 }

// The direction bits and parameter length field of an ioctl number, from
// <sys/ioccom.h>.
const (
	iocVoid     = 0x20000000
	iocOut      = 0x40000000
	iocIn       = 0x80000000
	iocParmMask = 0x1fff
)

// iocEncode is the C macro _IOC(inout, group, num, len).
func iocEncode(inout uint32, group byte, num uint8, size uintptr) uint32 {
	return inout | (uint32(size)&iocParmMask)<<16 | uint32(group)<<8 | uint32(num)
}

func iocNone(group byte, num uint8) uint32                { return iocEncode(iocVoid, group, num, 0) }
func iocRead(group byte, num uint8, size uintptr) uint32  { return iocEncode(iocOut, group, num, size) }
func iocWrite(group byte, num uint8, size uintptr) uint32 { return iocEncode(iocIn, group, num, size) }
func iocRdWr(group byte, num uint8, size uintptr) uint32 {
	return iocEncode(iocIn|iocOut, group, num, size)
}

// bsdIoctls holds the ioctl numbers the adapter uses, for one ABI.
type bsdIoctls struct {
	// tun(4), on the tun descriptor (<net/if_tun.h>).
	tunGIFName uint32 // _IOR('t', 93, struct ifreq)
	tunSIFMode uint32 // _IOW('t', 94, int)
	tunSIFPID  uint32 // _IO('t', 95)
	tunSIFHead uint32 // _IOW('t', 96, int)

	// Interface requests, on a socket (<sys/sockio.h>).
	sIOCSIFFlags   uint32 // _IOW('i', 16, struct ifreq)
	sIOCGIFFlags   uint32 // _IOWR('i', 17, struct ifreq)
	sIOCGIFIndex   uint32 // _IOWR('i', 32, struct ifreq)
	sIOCSIFName    uint32 // _IOW('i', 40, struct ifreq)
	sIOCGIFMTU     uint32 // _IOWR('i', 51, struct ifreq)
	sIOCSIFMTU     uint32 // _IOW('i', 52, struct ifreq)
	sIOCGIFStatus  uint32 // _IOWR('i', 59, struct ifstat)
	sIOCIFDestroy  uint32 // _IOW('i', 121, struct ifreq)
	sIOCIFCreate2  uint32 // _IOWR('i', 124, struct ifreq)
	sIOCGIFInfoIn6 uint32 // _IOWR('i', 108, struct in6_ndireq), on an AF_INET6 socket
	sIOCSIFInfoIn6 uint32 // _IOWR('i', 109, struct in6_ndireq), on an AF_INET6 socket
}

// ioctls derives the ioctl numbers for the ABI.
func (a bsdABI) ioctls() bsdIoctls {
	ifreq, int32Size := a.ifreqSize(), uintptr(4)
	return bsdIoctls{
		tunGIFName: iocRead('t', 93, ifreq),
		tunSIFMode: iocWrite('t', 94, int32Size),
		tunSIFPID:  iocNone('t', 95),
		tunSIFHead: iocWrite('t', 96, int32Size),

		sIOCSIFFlags:   iocWrite('i', 16, ifreq),
		sIOCGIFFlags:   iocRdWr('i', 17, ifreq),
		sIOCGIFIndex:   iocRdWr('i', 32, ifreq),
		sIOCSIFName:    iocWrite('i', 40, ifreq),
		sIOCGIFMTU:     iocRdWr('i', 51, ifreq),
		sIOCSIFMTU:     iocWrite('i', 52, ifreq),
		sIOCGIFStatus:  iocRdWr('i', 59, a.ifstatSize()),
		sIOCIFDestroy:  iocWrite('i', 121, ifreq),
		sIOCIFCreate2:  iocRdWr('i', 124, ifreq),
		sIOCGIFInfoIn6: iocRdWr('i', 108, a.ndireqSize()),
		sIOCSIFInfoIn6: iocRdWr('i', 109, a.ndireqSize()),
	}
}

// FreeBSD constants. They differ from Linux's, so they are spelled out
// here rather than taken from the host's x/sys/unix.
const (
	bsdAFInet  = 2  // AF_INET
	bsdAFInet6 = 28 // AF_INET6

	bsdIFFUp        = 0x1    // IFF_UP
	bsdIFFBroadcast = 0x2    // IFF_BROADCAST
	bsdIFFMulticast = 0x8000 // IFF_MULTICAST

	nd6IFFAutoLinklocal = 0x20  // ND6_IFF_AUTO_LINKLOCAL
	nd6IFFNoDAD         = 0x100 // ND6_IFF_NO_DAD

	rtmVersion    = 5     // RTM_VERSION
	rtmNewAddr    = 0xc   // RTM_NEWADDR
	rtmDelAddr    = 0xd   // RTM_DELADDR
	rtmIfInfo     = 0xe   // RTM_IFINFO
	rtmNewMAddr   = 0xf   // RTM_NEWMADDR
	rtmDelMAddr   = 0x10  // RTM_DELMADDR
	rtmIfAnnounce = 0x11  // RTM_IFANNOUNCE
	ifanArrival   = 0     // IFAN_ARRIVAL
	ifanDeparture = 1     // IFAN_DEPARTURE
	bsdTunDriver  = "tun" // if_dname of every tun(4) interface, renamed or not
)

// ifreq is struct ifreq on either ABI when the union holds a value (an
// int, shorts, or nothing): 32 bytes, the name first and the value at
// offset 16.
type ifreq [32]byte

func newIfreq(name string) *ifreq {
	var r ifreq
	copy(r[:ifNameSize-1], name)
	return &r
}

func (r *ifreq) name() string     { return cString(r[:ifNameSize]) }
func (r *ifreq) int32() int32     { return int32(binary.NativeEndian.Uint32(r[ifNameSize:])) }
func (r *ifreq) setInt32(v int32) { binary.NativeEndian.PutUint32(r[ifNameSize:], uint32(v)) }
func (r *ifreq) uint16() uint16   { return binary.NativeEndian.Uint16(r[ifNameSize:]) }

// flags returns ifr_flags | ifr_flagshigh<<16.
func (r *ifreq) flags() uint32 {
	lo := binary.NativeEndian.Uint16(r[ifNameSize:])
	hi := binary.NativeEndian.Uint16(r[ifNameSize+2:])
	return uint32(lo) | uint32(hi)<<16
}

func (r *ifreq) setFlags(v uint32) {
	binary.NativeEndian.PutUint16(r[ifNameSize:], uint16(v))
	binary.NativeEndian.PutUint16(r[ifNameSize+2:], uint16(v>>16))
}

// ifreqPtr is struct ifreq with ifr_data, a pointer, in the union. It is
// a Go struct rather than bytes so that the garbage collector sees the
// pointer. Its layout is the native ABI's; the tests check it against
// bsdABI for every GOARCH they run on.
type ifreqPtr struct {
	name [ifNameSize]byte
	data unsafe.Pointer
	_    [16 - unsafe.Sizeof(uintptr(0))]byte
}

func newIfreqPtr(name string, data unsafe.Pointer) *ifreqPtr {
	r := &ifreqPtr{data: data}
	copy(r.name[:ifNameSize-1], name)
	return r
}

// in6Ndireq is struct in6_ndireq from <netinet6/nd6.h>: the name and a
// struct nd_ifinfo, of which wgd only touches the flags.
type in6Ndireq struct {
	name     [ifNameSize]byte
	_        [5]uint32 // linkmtu, maxmtu, basereachable, reachable, retrans
	flags    uint32
	_        int32 // recalctm
	chlim    uint8
	_        uint8    // initialized
	_        [16]byte // randomseed0, randomseed1
	randomid [8]byte
	_        [2]byte
}

func newNdireq(name string) *in6Ndireq {
	r := new(in6Ndireq)
	copy(r.name[:ifNameSize-1], name)
	return r
}

// ifstat is struct ifstat from <net/if.h>.
type ifstat struct {
	name  [ifNameSize]byte
	ascii [bsdIfstatMax + 1]byte
}

func newIfstat(name string) *ifstat {
	s := new(ifstat)
	copy(s.name[:ifNameSize-1], name)
	return s
}

// text returns the status text the driver filled in.
func (s *ifstat) text() string { return cString(s.ascii[:]) }

// cString returns b up to its first NUL.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
