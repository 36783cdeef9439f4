// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"fmt"
	"os"

	"github.com/wgbsd/wgbsd/internal/enum"
)

// Headroom is the smallest offset that Read and Write accept on every
// platform. FreeBSD writes its 4-byte address-family header into the last
// 4 bytes of the headroom; the engine's 16 bytes of transport header room
// cover it.
const Headroom = 4

// Event is a change of a Device's state, delivered on its Events channel.
type Event int

// The events a Device reports. The first event on a new Device, already
// queued when Create returns, states whether the interface was up or down
// at creation; later events report changes only.
const (
	// EventUp reports that the interface is administratively up.
	EventUp Event = iota + 1
	// EventDown reports that the interface is down, or has vanished.
	EventDown
	// EventMTUUpdate reports that the interface's MTU has changed; MTU
	// returns the new value.
	EventMTUUpdate
)

var eventNames = [...]string{EventUp: "up", EventDown: "down", EventMTUUpdate: "mtu"}

// String returns the event's name, for logs.
func (e Event) String() string { return enum.Name(eventNames[:], e, "event(%d)") }

// Device is a layer-3 tunnel interface that carries raw IP packets.
//
// Read is called by one goroutine at a time. Write, MTU, Name and
// BatchSize are safe for concurrent use, also with Read. Close may be
// called at any time, more than once; it unblocks a pending Read, after it
// Read and Write fail with an error that wraps os.ErrClosed, and the
// Events channel is closed.
type Device interface {
	// Read reads at least one and at most len(bufs) packets. Packet i is
	// stored in bufs[i][offset:] and its length in sizes[i]; n is the
	// number of packets read. len(sizes) must be at least len(bufs),
	// offset at least Headroom, and the bytes in front of offset may be
	// overwritten. Read blocks until a packet arrives or the Device is
	// closed. A packet longer than its buffer is dropped: FreeBSD and
	// Linux without the virtio header never pass one on cut, whatever
	// the MTU; buffers must hold MTU-sized packets to receive them.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)

	// Write writes every packet bufs[i][offset:] to the kernel. It may
	// overwrite the bytes in front of offset, which must be at least
	// Headroom, and, where it merges packets into one (Linux), the IP
	// and TCP headers of the first of them. A packet the kernel rejects does not stop the others: n
	// counts the packets accepted and err reports the first rejection.
	// While the interface is down the kernel discards what is written:
	// Linux rejects every packet with EIO, FreeBSD accepts and drops
	// them. Neither is a reason to stop.
	Write(bufs [][]byte, offset int) (n int, err error)

	// BatchSize is the largest number of packets Read returns at once
	// and the batch size Write is tuned for. It never changes.
	BatchSize() int

	// MTU returns the interface's current MTU.
	MTU() (int, error)

	// Name returns the interface's current name. It follows renames
	// made by others while the Device is open.
	Name() string

	// Events returns the channel of state changes. It is closed when
	// the Device is closed.
	Events() <-chan Event

	// Close closes the Device and, where the platform needs it,
	// destroys the interface.
	Close() error
}

// Configurator is implemented by Devices whose MTU and administrative
// state wgd may change itself. A change is also reported on Events.
type Configurator interface {
	// SetMTU sets the interface's MTU.
	SetMTU(mtu int) error
	// SetUp brings the interface up (true) or down (false).
	SetUp(up bool) error
}

// FileDevice is implemented by Devices backed by a kernel descriptor.
// File returns it, for a daemon that hands the tun to a re-executed copy
// of itself, which adopts it with CreateFromFD. The handing-over process
// must then exit without closing the Device: on FreeBSD, Close destroys
// the interface.
type FileDevice interface {
	Device
	File() *os.File
}

// Error is a failure that Create, Read or Write reports, wrapped with the
// details: test with errors.Is.
type Error uint8

// The errors of this package.
const (
	// ErrUnsupported means this operating system has no tun support in
	// wgd.
	ErrUnsupported Error = iota + 1
	// ErrNoDevice means the tun device node is missing, as in a jail or
	// container that does not expose it or a kernel without tun support.
	ErrNoDevice
	// ErrNameTaken means the requested name belongs to an interface
	// that is not a tun interface, so wgd will not touch it.
	ErrNameTaken
	// ErrBusy means the requested name belongs to a tun interface that
	// another process holds open.
	ErrBusy
	// ErrName means the requested name is not a valid interface name.
	ErrName
	// ErrHeadroom means Read or Write got an offset below Headroom.
	ErrHeadroom
)

var errorText = [...]string{
	ErrUnsupported: "tun: not supported on this operating system",
	ErrNoDevice:    "tun: no tun device",
	ErrNameTaken:   "tun: interface name taken by a non-tun interface",
	ErrBusy:        "tun: interface in use by another process",
	ErrName:        "tun: invalid interface name",
	ErrHeadroom:    "tun: offset leaves too little headroom",
}

// Error returns the error's text, which names the package.
func (e Error) Error() string { return enum.Name(errorText[:], e, "tun: error %d") }

// ifNameSize is IFNAMSIZ on Linux and FreeBSD: names have at most 15
// bytes plus the terminating NUL.
const ifNameSize = 16

// checkName validates an interface name requested by the user. The empty
// name lets the kernel choose.
func checkName(name string) error {
	if len(name) >= ifNameSize {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrName, name, ifNameSize-1)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == '/' || c == ':' {
			return fmt.Errorf("%w: %q contains %q", ErrName, name, c)
		}
	}
	return nil
}

// maxPacketSize is the largest packet a tun interface can hand over: the
// largest MTU either kernel accepts (IF_MAXMTU on FreeBSD, 65535; the tun
// driver's maximum on Linux, the same).
const maxPacketSize = 65535
