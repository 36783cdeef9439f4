// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of the FreeBSD adapter. Each takes the ioctl number
// derived for the running program's ABI and a structure laid out in
// bsd_abi.go.

// ioc holds the ioctl numbers for the running program's ABI.
var ioc = nativeABI.ioctls()

func ioctlPtr(fd int, req uint32, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// ioctlInt passes a pointer to an int, as _IOW(..., int) requests expect.
func ioctlInt(fd int, req uint32, v int32) error {
	return ioctlPtr(fd, req, unsafe.Pointer(&v))
}

// openCtl opens a datagram socket for interface requests: AF_INET, or
// AF_LOCAL on a kernel without INET.
func openCtl() (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fd, err = unix.Socket(unix.AF_LOCAL, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return -1, fmt.Errorf("tun: cannot open a control socket: %w", err)
	}
	return fd, nil
}

// tunName asks a tun descriptor for its interface's name (TUNGIFNAME).
func tunName(fd int) (string, error) {
	var r ifreq
	if err := ioctlPtr(fd, ioc.tunGIFName, unsafe.Pointer(&r)); err != nil {
		return "", err
	}
	return r.name(), nil
}

// ifIndex returns the index of the interface name.
func ifIndex(ctl int, name string) (int, error) {
	r := newIfreq(name)
	if err := ioctlPtr(ctl, ioc.sIOCGIFIndex, unsafe.Pointer(r)); err != nil {
		return 0, err
	}
	return int(r.uint16()), nil
}

// ifFlags returns the interface flags of name.
func ifFlags(ctl int, name string) (uint32, error) {
	r := newIfreq(name)
	err := ioctlPtr(ctl, ioc.sIOCGIFFlags, unsafe.Pointer(r))
	return r.flags(), err
}

func setIfFlags(ctl int, name string, flags uint32) error {
	r := newIfreq(name)
	r.setFlags(flags)
	return ioctlPtr(ctl, ioc.sIOCSIFFlags, unsafe.Pointer(r))
}

func ifMTU(ctl int, name string) (int, error) {
	r := newIfreq(name)
	err := ioctlPtr(ctl, ioc.sIOCGIFMTU, unsafe.Pointer(r))
	return int(r.int32()), err
}

func setIfMTU(ctl int, name string, mtu int) error {
	r := newIfreq(name)
	r.setInt32(int32(mtu))
	return ioctlPtr(ctl, ioc.sIOCSIFMTU, unsafe.Pointer(r))
}

// setIfName renames the interface from to to (SIOCSIFNAME, whose ifr_data
// points at the new name).
func setIfName(ctl int, from, to string) error {
	newName := new([ifNameSize]byte)
	copy(newName[:ifNameSize-1], to)
	return ioctlPtr(ctl, ioc.sIOCSIFName, unsafe.Pointer(newIfreqPtr(from, unsafe.Pointer(newName))))
}

// createIf creates an interface of the cloner name, such as "tun", with
// SIOCIFCREATE2 and returns the name the kernel gave it, which the
// request carries back.
func createIf(ctl int, name string) (string, error) {
	r := newIfreq(name)
	if err := ioctlPtr(ctl, ioc.sIOCIFCreate2, unsafe.Pointer(r)); err != nil {
		return "", err
	}
	return r.name(), nil
}

// destroyIf destroys the interface name (SIOCIFDESTROY). An interface
// that is already gone is not an error.
func destroyIf(ctl int, name string) error {
	err := ioctlPtr(ctl, ioc.sIOCIFDestroy, unsafe.Pointer(newIfreq(name)))
	if errors.Is(err, unix.ENXIO) {
		return nil
	}
	return err
}

// tunOwner returns the PID of the process that holds the tun interface
// name open, or 0. tun(4) reports it in the SIOCGIFSTATUS text.
func tunOwner(ctl int, name string) (int, error) {
	s := newIfstat(name)
	if err := ioctlPtr(ctl, ioc.sIOCGIFStatus, unsafe.Pointer(s)); err != nil {
		return 0, err
	}
	return openedBy(s.text()), nil
}

// ifDriver returns the name of the driver behind the interface with the
// given index, such as "tun" for any tun(4) interface, however renamed.
func ifDriver(index int) (string, error) {
	mib := driverNameMIB(index)
	var size uintptr
	if err := sysctl(mib[:], nil, &size); err != nil {
		return "", err
	}
	buf := make([]byte, size)
	if size == 0 {
		return "", nil
	}
	if err := sysctl(mib[:], &buf[0], &size); err != nil {
		return "", err
	}
	return driverOf(string(buf[:size])), nil
}

// sysctl reads a sysctl by MIB; with old == nil it reports the size.
func sysctl(mib []int32, old *byte, size *uintptr) error {
	_, _, errno := unix.Syscall6(unix.SYS___SYSCTL, uintptr(unsafe.Pointer(&mib[0])), uintptr(len(mib)),
		uintptr(unsafe.Pointer(old)), uintptr(unsafe.Pointer(size)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// disableND6 turns off automatic IPv6 link-local addresses and duplicate
// address detection on the interface. Attaching and detaching link-local
// addresses races with the interface's lifetime in the FreeBSD kernel
// (create/destroy loops have panicked it), and WireGuard has no use for
// DAD. A kernel without INET6 has nothing to turn off.
func disableND6(name string) error {
	s, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EPROTONOSUPPORT) {
		return nil
	}
	if err != nil {
		return err
	}
	defer unix.Close(s)
	nd := newNdireq(name)
	if err := ioctlPtr(s, ioc.sIOCGIFInfoIn6, unsafe.Pointer(nd)); err != nil {
		return err
	}
	nd.flags = nd6Flags(nd.flags)
	return ioctlPtr(s, ioc.sIOCSIFInfoIn6, unsafe.Pointer(nd))
}
