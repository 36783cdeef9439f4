// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"cmp"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// bsdDevice is a tun(4) interface in TUNSIFHEAD mode. Its notification
// socket is a routing socket.
type bsdDevice struct {
	fdDevice
	watch routeWatcher // owned by the event goroutine once it runs
}

// Create clones a tun(4) interface from /dev/tun and names it name (an
// empty name keeps the kernel's tunN), with the given MTU (0 keeps the
// kernel's default). If name belongs to a tun interface that no process
// holds open, left behind by an earlier run, that interface is destroyed
// first. Create refuses to touch an interface of any other kind.
func Create(name string, mtu int) (Device, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	fd, assigned, failed, err := openClone(realCloneSys)
	if err != nil {
		jailed, _ := unix.SysctlUint32("security.jail.jailed")
		return nil, cloneError(failed, err, os.Geteuid() == 0, jailed != 0)
	}
	if err := configure(fd, assigned, name); err != nil {
		unix.Close(fd)
		destroyQuietly(assigned)
		return nil, err
	}
	dev, err := CreateFromFD(fd, mtu)
	if err != nil {
		destroyQuietly(cmp.Or(name, assigned))
		return nil, err
	}
	return dev, nil
}

// destroyQuietly destroys a half-made interface after a failure that is
// reported already.
func destroyQuietly(name string) {
	if ctl, err := openCtl(); err == nil {
		destroyIf(ctl, name)
		unix.Close(ctl)
	}
}

// realCloneSys is openClone's system calls.
var realCloneSys = cloneSys{
	open: func(path string) (int, error) {
		return unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	},
	close:   func(fd int) { unix.Close(fd) },
	tunName: tunName,
	create: func(name string) (string, error) {
		ctl, err := openCtl()
		if err != nil {
			return "", err
		}
		defer unix.Close(ctl)
		return createIf(ctl, name)
	},
	destroy: destroyQuietly,
}

// configure puts a new interface into the mode wgd needs and names it.
// Interfaces refuse a mode change once up, so it comes first.
func configure(fd int, assigned, name string) error {
	if err := ioctlInt(fd, ioc.tunSIFMode, bsdIFFBroadcast|bsdIFFMulticast); err != nil {
		return ioctlError("take "+assigned+" out of point-to-point mode", err)
	}
	if err := disableND6(assigned); err != nil {
		return ioctlError("turn off IPv6 link-local addresses and DAD on "+assigned, err)
	}
	if name == "" || name == assigned {
		return nil
	}
	ctl, err := openCtl()
	if err != nil {
		return err
	}
	defer unix.Close(ctl)
	return rename(ctl, assigned, name)
}

// rename names the interface from to. If to is taken, it is reclaimed
// when it is a tun leftover, and the rename tried once more.
func rename(ctl int, from, to string) error {
	err := setIfName(ctl, from, to)
	if errors.Is(err, unix.EEXIST) {
		if err := reclaim(ctl, to); err != nil {
			return err
		}
		err = setIfName(ctl, from, to)
	}
	if err != nil {
		return ioctlError("rename "+from+" to "+to, err)
	}
	return nil
}

// reclaim destroys the interface name if it is a tun(4) interface that no
// process holds open. A tun held open would make the destruction wait
// for its owner, so that is refused, as is any other kind of interface.
func reclaim(ctl int, name string) error {
	index, err := ifIndex(ctl, name)
	if errors.Is(err, unix.ENXIO) {
		return nil // gone in the meantime
	}
	if err != nil {
		return ioctlError("look up the existing interface "+name, err)
	}
	driver, err := ifDriver(index)
	if err != nil {
		return fmt.Errorf("tun: cannot tell what kind of interface %s is: %w", name, err)
	}
	if driver != bsdTunDriver {
		return fmt.Errorf("%w: %s is a %s interface", ErrNameTaken, name, driver)
	}
	pid, err := tunOwner(ctl, name)
	if err != nil {
		return ioctlError("read the status of the existing interface "+name, err)
	}
	if pid != 0 {
		return fmt.Errorf("%w: the tun interface %s is held open by process %d", ErrBusy, name, pid)
	}
	if err := destroyIf(ctl, name); err != nil {
		return ioctlError("destroy the leftover interface "+name, err)
	}
	return nil
}

// CreateFromFD adopts fd, an open tun(4) descriptor such as one inherited
// from the process that created it, and makes this process its controlling
// process (TUNSIFPID). It sets the MTU unless mtu is 0. The Device owns fd
// from then on, also when CreateFromFD fails; its Close destroys the
// interface.
func CreateFromFD(fd int, mtu int) (Device, error) {
	d := &bsdDevice{}
	d.watch.sys = d
	if err := d.adopt(fd, bsdClonePath, tunName); err != nil {
		return nil, err
	}
	d.hdrLen, d.trim = afHeaderLen, stripAFHeader
	if err := d.start(d.init(mtu), 4096, d.watch.handle, d.watch.recover, routeResyncEvery); err != nil {
		return nil, err
	}
	return d, nil
}

// init sets up everything but the event goroutine.
func (d *bsdDevice) init(mtu int) error {
	d.reader, d.writers = newBatchReader(d.rc, afHeaderLen+maxPacketSize), newWriterPool(d.rc, addAFHeader)
	var ioErr error
	err := d.rc.Control(func(fd uintptr) {
		if ioErr = ioctlPtr(int(fd), ioc.tunSIFPID, nil); ioErr != nil {
			ioErr = ioctlError("become the controlling process of the tun", ioErr)
			return
		}
		if ioErr = ioctlInt(int(fd), ioc.tunSIFHead, 1); ioErr != nil {
			ioErr = ioctlError("turn on the address-family header of the tun", ioErr)
			return
		}
		if d.name, ioErr = tunName(int(fd)); ioErr != nil {
			ioErr = ioctlError("read the name of the tun", ioErr)
		}
	})
	if err = errors.Join(err, ioErr); err != nil {
		return err
	}
	if d.ctl, err = openCtl(); err != nil {
		return err
	}
	if d.watch.index, err = ifIndex(d.ctl, d.name); err != nil {
		return ioctlError("read the index of "+d.name, err)
	}
	// Open the routing socket before reading the state, so that no
	// change is missed.
	rfd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("tun: cannot open a routing socket: %w", err)
	}
	d.monitor = os.NewFile(uintptr(rfd), "route")
	setRouteSockOpts(func(level, name, value int) error {
		return unix.SetsockoptInt(rfd, level, name, value)
	})
	if mtu > 0 {
		return d.SetMTU(mtu)
	}
	return nil
}

// errAddressFamily reports a packet that is neither IPv4 nor IPv6.
var errAddressFamily = errors.New("tun: packet is neither IPv4 nor IPv6")

// addAFHeader fills in the address-family header in front of a packet.
func addAFHeader(b []byte) error {
	if !putAFHeader(b) {
		return errAddressFamily
	}
	return nil
}

// lookup returns the queries that find the tun's interface.
func (d *bsdDevice) lookup() tunLookup {
	return tunLookup{
		name: func() (name string, err error) {
			var ioErr error
			err = d.rc.Control(func(fd uintptr) { name, ioErr = tunName(int(fd)) })
			return name, cmp.Or(err, ioErr)
		},
		index: func(name string) (index int, err error) {
			err = d.withCtl(func(ctl int, _ string) (err error) {
				index, err = ifIndex(ctl, name)
				return err
			})
			return index, err
		},
		owner: func(name string) (pid int, err error) {
			err = d.withCtl(func(ctl int, _ string) (err error) {
				pid, err = tunOwner(ctl, name)
				return err
			})
			return pid, err
		},
		pid: os.Getpid(),
	}
}

// locate implements routeSys.
func (d *bsdDevice) locate() (int, bool) {
	_, index, ok := locateTun(d.lookup())
	return index, ok
}

// gone implements routeSys.
func (d *bsdDevice) gone() bool {
	if d.closed.Load() {
		return false
	}
	return d.sink.apply(linkUpdate{gone: true})
}

// resync implements routeSys: it reads the interface's state with
// ioctls and reports it.
func (d *bsdDevice) resync() bool {
	var flags uint32
	err := d.withCtl(func(ctl int, name string) (err error) {
		flags, err = ifFlags(ctl, name)
		return err
	})
	if err != nil {
		return !d.closed.Load()
	}
	mtu, _ := d.MTU()
	return d.sink.apply(linkUpdate{up: flags&bsdIFFUp != 0, mtu: mtu})
}

// MTU implements Device.
func (d *bsdDevice) MTU() (mtu int, err error) {
	err = d.withCtl(func(ctl int, name string) (err error) {
		mtu, err = ifMTU(ctl, name)
		return err
	})
	if err != nil {
		return 0, ioctlError("read the MTU of "+d.Name(), err)
	}
	return mtu, nil
}

// SetMTU implements Configurator.
func (d *bsdDevice) SetMTU(mtu int) error {
	err := d.withCtl(func(ctl int, name string) error { return setIfMTU(ctl, name, mtu) })
	if err != nil {
		return ioctlError(fmt.Sprintf("set the MTU of %s to %d", d.Name(), mtu), err)
	}
	return nil
}

// SetUp implements Configurator.
func (d *bsdDevice) SetUp(up bool) error {
	err := d.withCtl(func(ctl int, name string) error {
		flags, err := ifFlags(ctl, name)
		if err != nil {
			return err
		}
		flags &^= bsdIFFUp
		if up {
			flags |= bsdIFFUp
		}
		return setIfFlags(ctl, name, flags)
	})
	if err != nil {
		return ioctlError("bring "+d.Name()+" "+upDown(up), err)
	}
	return nil
}

// Close implements Device: it closes the descriptor and destroys the
// interface, if it is still in this system.
func (d *bsdDevice) Close() error {
	return d.close(func() func(ctl int) error {
		// Looked up while the descriptor answers: after a move to
		// another vnet, the name may be another interface's here.
		name, _, here := locateTun(d.lookup())
		if !here {
			return nil
		}
		return func(ctl int) error {
			if err := destroyIf(ctl, name); err != nil {
				return ioctlError("destroy "+name, err)
			}
			return nil
		}
	})
}
