// SPDX-License-Identifier: BSD-2-Clause

package tuntest

import (
	"fmt"
	"os"
	"sync"

	"github.com/wgbsd/wgbsd/internal/tun"
)

// QueueLen is how many packets each direction of a Device holds before
// Inject or the engine's Write blocks.
const QueueLen = 1024

// BatchSize is the batch size a Device reports.
const BatchSize = 32

// scribble is written over the headroom in front of each packet.
const scribble = 0xee

// Device is an in-memory tun.Device. It starts up, so its first event is
// tun.EventUp.
type Device struct {
	name   string
	in     chan []byte
	out    chan []byte
	events chan tun.Event
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex // guards mtu, up, and sending on or closing events
	mtu      int
	up       bool
	finished bool
}

var (
	_ tun.Device       = (*Device)(nil)
	_ tun.Configurator = (*Device)(nil)
)

// New returns a Device with the given name and MTU.
func New(name string, mtu int) *Device {
	d := &Device{
		name:   name,
		mtu:    mtu,
		up:     true,
		in:     make(chan []byte, QueueLen),
		out:    make(chan []byte, QueueLen),
		events: make(chan tun.Event, 64),
		closed: make(chan struct{}),
	}
	d.events <- tun.EventUp
	return d
}

// Inject queues copies of packets for the engine to read, waiting while
// the queue is full. It fails once the Device is closed.
func (d *Device) Inject(pkts ...[]byte) error {
	for _, p := range pkts {
		if d.isClosed() {
			return closedError("inject")
		}
		select {
		case d.in <- append([]byte(nil), p...):
		case <-d.closed:
			return closedError("inject")
		}
	}
	return nil
}

// Written returns the channel of packets the engine wrote, each a copy
// without headroom. It is never closed; a Write waits while it is full.
func (d *Device) Written() <-chan []byte { return d.out }

// Read implements tun.Device: it waits for at least one injected packet
// and returns as many as are queued, up to len(bufs).
func (d *Device) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if offset < tun.Headroom {
		return 0, tun.ErrHeadroom
	}
	if d.isClosed() {
		return 0, closedError("read")
	}
	var p []byte
	select {
	case p = <-d.in:
	case <-d.closed:
		return 0, closedError("read")
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n][offset:], p)
		fill(bufs[n][:offset])
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-d.in:
		default:
			return n, nil
		}
	}
}

// Write implements tun.Device: it queues a copy of each packet on
// Written.
func (d *Device) Write(bufs [][]byte, offset int) (int, error) {
	if offset < tun.Headroom {
		return 0, tun.ErrHeadroom
	}
	for i, b := range bufs {
		if d.isClosed() {
			return i, closedError("write")
		}
		p := append([]byte(nil), b[offset:]...)
		fill(b[offset-tun.Headroom : offset])
		select {
		case d.out <- p:
		case <-d.closed:
			return i, closedError("write")
		}
	}
	return len(bufs), nil
}

func (d *Device) isClosed() bool {
	select {
	case <-d.closed:
		return true
	default:
		return false
	}
}

func fill(b []byte) {
	for i := range b {
		b[i] = scribble
	}
}

func closedError(op string) error {
	return fmt.Errorf("tuntest: %s: %w", op, os.ErrClosed)
}

// BatchSize implements tun.Device.
func (d *Device) BatchSize() int { return BatchSize }

// Name implements tun.Device.
func (d *Device) Name() string { return d.name }

// MTU implements tun.Device.
func (d *Device) MTU() (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mtu, nil
}

// Events implements tun.Device.
func (d *Device) Events() <-chan tun.Event { return d.events }

// SetMTU implements tun.Configurator and reports tun.EventMTUUpdate when
// the MTU changes.
func (d *Device) SetMTU(mtu int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if mtu == d.mtu {
		return nil
	}
	d.mtu = mtu
	return d.emit(tun.EventMTUUpdate)
}

// SetUp implements tun.Configurator and reports tun.EventUp or
// tun.EventDown when the state changes.
func (d *Device) SetUp(up bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if up == d.up {
		return nil
	}
	d.up = up
	if up {
		return d.emit(tun.EventUp)
	}
	return d.emit(tun.EventDown)
}

// emit sends an event; d.mu is held.
func (d *Device) emit(ev tun.Event) error {
	if d.finished {
		return closedError("event")
	}
	select {
	case d.events <- ev:
		return nil
	case <-d.closed:
		return closedError("event")
	}
}

// Close implements tun.Device. Pending and later calls of Read, Write and
// Inject fail with an error wrapping os.ErrClosed.
func (d *Device) Close() error {
	d.once.Do(func() {
		close(d.closed)
		d.mu.Lock()
		d.finished = true
		close(d.events)
		d.mu.Unlock()
	})
	return nil
}
