// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"cmp"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

const (
	linuxTunPath      = "/dev/net/tun"
	linuxNoDeviceHint = "load the tun kernel module, or give the container /dev/net/tun"
)

// linuxDevice is a /dev/net/tun interface in IFF_TUN|IFF_NO_PI mode,
// with IFF_VNET_HDR and offloads (offload_linux.go) unless offloads are
// off. Its
// notification socket is a NETLINK_ROUTE socket subscribed to link
// changes.
type linuxDevice struct {
	fdDevice
	index int // the interface's index, which notifications name
}

// Create creates the tun interface name (the kernel picks a name when it
// is empty) with the given MTU (0 keeps the kernel's default). If a
// persistent tun interface of that name exists, as one left behind by an
// earlier run, it is adopted, and it vanishes when the Device is closed.
func Create(name string, mtu int) (Device, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	fd, err := unix.Open(linuxTunPath, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, openError(linuxTunPath, linuxNoDeviceHint, err)
	}
	if err := attach(fd, name); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return CreateFromFD(fd, mtu)
}

// attach binds the descriptor to the interface name with TUNSETIFF.
func attach(fd int, name string) error {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrName, err)
	}
	// With offloads off the tun is plain, as FreeBSD's is, and runs the
	// readers and writers FreeBSD runs (rawio_unix.go).
	flags := uint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if !offloadsOff.Load() {
		flags |= unix.IFF_VNET_HDR
	}
	ifr.SetUint16(flags)
	err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr)
	switch {
	case err == nil:
	case errors.Is(err, unix.EINVAL) && name != "":
		return fmt.Errorf("%w: %s exists and is not a tun interface: %w", ErrNameTaken, name, err)
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("%w: %s is a tun interface attached to another process: %w", ErrBusy, name, err)
	default:
		return ioctlError("create "+cmp.Or(name, "a tun interface"), err)
	}
	// An adopted persistent interface should vanish with the Device, as
	// a new one does. TUNSETPERSIST takes its argument by value.
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETPERSIST, 0); errno != 0 {
		return ioctlError("clear the persist flag of "+name, errno)
	}
	return nil
}

// CreateFromFD adopts fd, a /dev/net/tun descriptor already attached to
// an interface, such as one inherited from the process that created it.
// It sets the MTU unless mtu is 0. The Device owns fd from then on, also
// when CreateFromFD fails.
func CreateFromFD(fd int, mtu int) (Device, error) {
	d := &linuxDevice{}
	if err := d.adopt(fd, linuxTunPath, linuxTunName); err != nil {
		return nil, err
	}
	err := d.start(d.init(mtu), 1<<16, func(msg []byte) bool {
		u, ok := parseLinkMessages(msg, d.index)
		return !ok || d.sink.apply(u)
	}, d.resync, 0) // netlink reports every overflow (ENOBUFS)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// init sets up everything but the event goroutine.
func (d *linuxDevice) init(mtu int) error {
	var flags uint16
	var ioErr error
	err := d.rc.Control(func(fd uintptr) { d.name, flags, ioErr = tunGetIff(int(fd)) })
	if err == nil {
		err = ioErr
	}
	if err != nil {
		return ioctlError("read the name of the tun", err)
	}
	d.reader, d.writers = newBatchReader(d.rc, maxPacketSize), newWriterPool(d.rc, nil)
	if flags&unix.IFF_VNET_HDR != 0 {
		// An adopted descriptor may carry the header with offloads
		// off; the kernel still sends and expects it then.
		d.rc.Control(func(fd uintptr) { _ = enableOffloads(int(fd)) })
		d.reader, d.writers = newVnetReader(d.rc), newVnetWriterPool(d.rc)
	}
	if d.ctl, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return fmt.Errorf("tun: cannot open a control socket: %w", err)
	}
	ifr, err := d.ioctl(unix.SIOCGIFINDEX, nil)
	if err != nil {
		return ioctlError("read the index of "+d.name, err)
	}
	d.index = int(int32(ifr.Uint32()))
	// Subscribe before reading the state, so that no change is missed.
	if d.monitor, err = openLinkMonitor(); err != nil {
		return err
	}
	if mtu > 0 {
		return d.SetMTU(mtu)
	}
	return nil
}

// openLinkMonitor opens a NETLINK_ROUTE socket subscribed to link
// changes, in non-blocking mode so that closing it ends a pending read.
func openLinkMonitor() (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("tun: cannot open a netlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tun: cannot subscribe to link changes: %w", err)
	}
	return os.NewFile(uintptr(fd), "netlink"), nil
}

// resync reads the interface's state with ioctls and reports it.
func (d *linuxDevice) resync() bool {
	up, mtu, err := d.state()
	if err != nil {
		return !d.closed.Load()
	}
	return d.sink.apply(linkUpdate{up: up, mtu: mtu})
}

func (d *linuxDevice) state() (up bool, mtu int, err error) {
	ifr, err := d.ioctl(unix.SIOCGIFFLAGS, nil)
	if err != nil {
		return false, 0, err
	}
	mtu, err = d.MTU()
	return ifr.Uint16()&unix.IFF_UP != 0, mtu, err
}

// ioctl runs an interface request on the control socket, for the
// interface's current name. set, when not nil, fills in the request.
func (d *linuxDevice) ioctl(req uint, set func(*unix.Ifreq)) (ifr *unix.Ifreq, err error) {
	err = d.withCtl(func(ctl int, name string) error {
		if ifr, err = unix.NewIfreq(name); err != nil {
			return err
		}
		if set != nil {
			set(ifr)
		}
		return unix.IoctlIfreq(ctl, req, ifr)
	})
	return ifr, err
}

// linuxTunName asks a tun descriptor for its interface's current name.
func linuxTunName(fd int) (string, error) {
	name, _, err := tunGetIff(fd)
	return name, err
}

// tunGetIff asks a tun descriptor for its interface's current name and
// its tun flags (TUNGETIFF).
func tunGetIff(fd int) (string, uint16, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.TUNGETIFF, ifr); err != nil {
		return "", 0, err
	}
	return ifr.Name(), ifr.Uint16(), nil
}

// MTU implements Device.
func (d *linuxDevice) MTU() (int, error) {
	ifr, err := d.ioctl(unix.SIOCGIFMTU, nil)
	if err != nil {
		return 0, ioctlError("read the MTU of "+d.Name(), err)
	}
	return int(ifr.Uint32()), nil
}

// SetMTU implements Configurator.
func (d *linuxDevice) SetMTU(mtu int) error {
	if _, err := d.ioctl(unix.SIOCSIFMTU, func(r *unix.Ifreq) { r.SetUint32(uint32(mtu)) }); err != nil {
		return ioctlError(fmt.Sprintf("set the MTU of %s to %d", d.Name(), mtu), err)
	}
	return nil
}

// SetUp implements Configurator.
func (d *linuxDevice) SetUp(up bool) error {
	ifr, err := d.ioctl(unix.SIOCGIFFLAGS, nil)
	if err == nil {
		flags := ifr.Uint16() &^ unix.IFF_UP
		if up {
			flags |= unix.IFF_UP
		}
		_, err = d.ioctl(unix.SIOCSIFFLAGS, func(r *unix.Ifreq) { r.SetUint16(flags) })
	}
	if err != nil {
		return ioctlError("bring "+d.Name()+" "+upDown(up), err)
	}
	return nil
}

// Close implements Device. The kernel removes the interface when its
// last descriptor is closed.
func (d *linuxDevice) Close() error { return d.close(nil) }
