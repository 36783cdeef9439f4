// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	linuxTunPath      = "/dev/net/tun"
	linuxNoDeviceHint = "load the tun kernel module, or give the container /dev/net/tun"
	// batchSize is the largest batch a Device reads: a TCP segment
	// from the kernel's offload fills up to 48 buffers at MTU 1420, and
	// plain packets are read one per system call, where a batch only
	// saves poller round trips and wake-ups.
	batchSize = 64
)

// linuxDevice is a /dev/net/tun interface in IFF_TUN|IFF_NO_PI mode,
// normally with IFF_VNET_HDR and offloads (offload_linux.go).
type linuxDevice struct {
	file    *os.File
	rc      syscall.RawConn
	reader  packetReader
	writers packetWriter
	index   int

	ctlMu sync.RWMutex // guards ctl against Close
	ctl   int          // AF_INET datagram socket for interface ioctls

	nameMu sync.Mutex
	name   string // last name seen, for when the descriptor is gone

	sink   *eventSink
	nl     *os.File      // NETLINK_ROUTE socket subscribed to link changes
	done   chan struct{} // closed when the event goroutine has returned
	closed atomic.Bool
	once   sync.Once
	err    error
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
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
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
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tun: cannot make the descriptor non-blocking: %w", err)
	}
	d := &linuxDevice{file: os.NewFile(uintptr(fd), linuxTunPath), ctl: -1, sink: newEventSink(), done: make(chan struct{})}
	if err := d.init(mtu); err != nil {
		d.release()
		return nil, err
	}
	// The first event is the state at creation; the channel has room.
	d.resync()
	go d.watch()
	return d, nil
}

// init sets up everything but the event goroutine.
func (d *linuxDevice) init(mtu int) error {
	var err error
	if d.rc, err = d.file.SyscallConn(); err != nil {
		return fmt.Errorf("tun: %w", err)
	}
	var flags uint16
	if d.name, flags, err = d.kernelIfreq(); err != nil {
		return ioctlError("read the name of the tun", err)
	}
	d.reader, d.writers = newBatchReader(d.rc, maxPacketSize), newWriterPool(d.rc, nil)
	if flags&unix.IFF_VNET_HDR != 0 {
		// Without offloads the kernel still sends and expects the
		// header, so the header path is right either way.
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
	if d.nl, err = openLinkMonitor(); err != nil {
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

// watch reports every change on the Events channel until the Device is
// closed.
func (d *linuxDevice) watch() {
	defer close(d.done)
	defer close(d.sink.ch)
	watchLoop(d.nl, make([]byte, 1<<16), func(msg []byte) bool {
		u, ok := parseLinkMessages(msg, d.index)
		return !ok || d.sink.apply(u)
	}, d.resync)
}

// resync reads the interface's state with ioctls and reports it.
func (d *linuxDevice) resync() bool {
	up, mtu, err := d.state()
	if err != nil {
		return !d.closed.Load()
	}
	return d.sink.apply(linkUpdate{index: d.index, up: up, mtu: mtu})
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
func (d *linuxDevice) ioctl(req uint, set func(*unix.Ifreq)) (*unix.Ifreq, error) {
	ifr, err := unix.NewIfreq(d.Name())
	if err != nil {
		return nil, err
	}
	if set != nil {
		set(ifr)
	}
	d.ctlMu.RLock()
	defer d.ctlMu.RUnlock()
	if d.ctl < 0 {
		return nil, os.ErrClosed
	}
	return ifr, unix.IoctlIfreq(d.ctl, req, ifr)
}

// kernelName asks the tun descriptor for its interface's current name.
func (d *linuxDevice) kernelName() (string, error) {
	name, _, err := d.kernelIfreq()
	return name, err
}

// kernelIfreq asks the tun descriptor for its interface's current name
// and its tun flags.
func (d *linuxDevice) kernelIfreq() (string, uint16, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", 0, err
	}
	var ioErr error
	if err := d.rc.Control(func(fd uintptr) {
		ioErr = unix.IoctlIfreq(int(fd), unix.TUNGETIFF, ifr)
	}); err != nil {
		return "", 0, err
	}
	return ifr.Name(), ifr.Uint16(), ioErr
}

// packetReader and packetWriter move batches of packets through the
// descriptor, with or without the virtio header in front of each.
type packetReader interface {
	read(bufs [][]byte, sizes []int, start int) (int, error)
}

type packetWriter interface {
	write(bufs [][]byte, start int) (int, error)
}

// Name implements Device.
func (d *linuxDevice) Name() string {
	d.nameMu.Lock()
	defer d.nameMu.Unlock()
	if name, err := d.kernelName(); err == nil {
		d.name = name
	}
	return d.name
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

// Read implements Device.
func (d *linuxDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if offset < Headroom {
		return 0, ErrHeadroom
	}
	n, err := d.reader.read(bufs, sizes, offset)
	if err != nil {
		return 0, d.ioError("read from", err)
	}
	return n, nil
}

// Write implements Device.
func (d *linuxDevice) Write(bufs [][]byte, offset int) (int, error) {
	if offset < Headroom {
		return 0, ErrHeadroom
	}
	n, err := d.writers.write(bufs, offset)
	if err != nil {
		return n, d.ioError("write to", err)
	}
	return n, nil
}

func (d *linuxDevice) ioError(op string, err error) error {
	if d.closed.Load() {
		return fmt.Errorf("tun: %s the device: %w", op, os.ErrClosed)
	}
	return fmt.Errorf("tun: %s %s: %w", op, d.Name(), err)
}

// BatchSize implements Device.
func (d *linuxDevice) BatchSize() int { return batchSize }

// Events implements Device.
func (d *linuxDevice) Events() <-chan Event { return d.sink.ch }

// File returns the tun descriptor; see FileDevice.
func (d *linuxDevice) File() *os.File { return d.file }

// Close implements Device. The kernel removes the interface when its
// last descriptor is closed.
func (d *linuxDevice) Close() error {
	d.once.Do(func() {
		d.closed.Store(true)
		close(d.sink.closing)
		d.err = d.file.Close()
		d.nl.Close()
		<-d.done
		d.release()
	})
	return d.err
}

// release closes whatever init opened, once nothing else can use it.
func (d *linuxDevice) release() {
	d.ctlMu.Lock()
	if d.ctl >= 0 {
		unix.Close(d.ctl)
		d.ctl = -1
	}
	d.ctlMu.Unlock()
	if d.nl != nil {
		d.nl.Close()
	}
	d.file.Close()
}
