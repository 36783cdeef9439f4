// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdDevice is what the Linux and FreeBSD Devices share: a tun descriptor
// read and written in batches through the Go poller, a control socket
// for interface requests, a kernel notification socket watched by a
// goroutine that reports on the Events channel, and their teardown. The
// platform files add how the descriptor is set up, what the
// notifications mean, and the interface requests.
type fdDevice struct {
	file    *os.File
	rc      syscall.RawConn
	reader  packetReader
	writers packetWriter
	// hdrLen is the length of the platform's framing in front of each
	// packet, kept in the last bytes of the headroom, and trim turns the
	// length of a read into the packet's; trim is nil when hdrLen is 0.
	hdrLen int
	trim   func(n int) int
	// askName asks the tun descriptor for its interface's name.
	askName func(fd int) (string, error)

	ctlMu sync.RWMutex // guards ctl against Close
	ctl   int          // datagram socket for interface requests

	nameMu sync.Mutex
	name   string // last name seen, for when the descriptor is gone

	sink    *eventSink
	monitor *os.File      // the kernel's notification socket
	done    chan struct{} // closed when the event goroutine has returned
	closed  atomic.Bool
	once    sync.Once
	err     error
}

// packetReader and packetWriter move batches of packets through the
// descriptor, with or without a header in front of each.
type packetReader interface {
	read(bufs [][]byte, sizes []int, start int) (int, error)
}

type packetWriter interface {
	write(bufs [][]byte, start int) (int, error)
}

// adopt makes fd non-blocking and wraps it; path names the file. The
// fdDevice owns fd from then on: a failure closes it.
func (d *fdDevice) adopt(fd int, path string, askName func(fd int) (string, error)) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return fmt.Errorf("tun: cannot make the descriptor non-blocking: %w", err)
	}
	d.file, d.ctl, d.askName = os.NewFile(uintptr(fd), path), -1, askName
	d.sink, d.done = newEventSink(), make(chan struct{})
	var err error
	if d.rc, err = d.file.SyscallConn(); err != nil {
		d.release()
		return fmt.Errorf("tun: %w", err)
	}
	return nil
}

// start finishes adopting the descriptor after the platform's set-up,
// which returned err. On failure it releases everything. Otherwise it
// reports the state at creation as the first event (the channel has
// room), then watches the notification socket, reading messages of up
// to bufSize bytes and handing each to handle, and resyncing on an
// overflow and, when every is not zero, that often.
func (d *fdDevice) start(err error, bufSize int, handle func(msg []byte) bool, resync func() bool, every time.Duration) error {
	if err != nil {
		d.release()
		return err
	}
	resync()
	go func() {
		defer close(d.done)
		defer close(d.sink.ch)
		watchLoop(d.monitor, make([]byte, bufSize), handle, resync, every)
	}()
	return nil
}

// withCtl runs fn with the control socket and the interface's current
// name, unless the Device is closed.
func (d *fdDevice) withCtl(fn func(ctl int, name string) error) error {
	name := d.Name()
	d.ctlMu.RLock()
	defer d.ctlMu.RUnlock()
	if d.ctl < 0 {
		return os.ErrClosed
	}
	return fn(d.ctl, name)
}

// Name implements Device.
func (d *fdDevice) Name() string {
	d.nameMu.Lock()
	defer d.nameMu.Unlock()
	var name string
	var ioErr error
	if err := d.rc.Control(func(fd uintptr) { name, ioErr = d.askName(int(fd)) }); err == nil && ioErr == nil {
		d.name = name
	}
	return d.name
}

// Read implements Device. The platform's framing, if any, goes into the
// last bytes of the headroom, where it is dropped.
func (d *fdDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if offset < Headroom {
		return 0, ErrHeadroom
	}
	n, err := d.reader.read(bufs, sizes, offset-d.hdrLen)
	if err != nil {
		return 0, d.ioError("read from", err)
	}
	if d.trim != nil {
		for i := range n {
			sizes[i] = d.trim(sizes[i])
		}
	}
	return n, nil
}

// Write implements Device. The platform's framing, if any, goes into the
// last bytes of the headroom.
func (d *fdDevice) Write(bufs [][]byte, offset int) (int, error) {
	if offset < Headroom {
		return 0, ErrHeadroom
	}
	n, err := d.writers.write(bufs, offset-d.hdrLen)
	if err != nil {
		return n, d.ioError("write to", err)
	}
	return n, nil
}

func (d *fdDevice) ioError(op string, err error) error {
	if d.closed.Load() {
		return fmt.Errorf("tun: %s the device: %w", op, os.ErrClosed)
	}
	return fmt.Errorf("tun: %s %s: %w", op, d.Name(), err)
}

// batchSize is the largest batch a Device reads. tun(4) and a Linux tun
// move one plain packet per system call, where a batch only saves poller
// round trips and wake-ups; on Linux a TCP segment from the kernel's
// offload fills up to 48 buffers at MTU 1420.
const batchSize = 64

// BatchSize implements Device.
func (d *fdDevice) BatchSize() int { return batchSize }

// Events implements Device.
func (d *fdDevice) Events() <-chan Event { return d.sink.ch }

// File returns the tun descriptor; see FileDevice.
func (d *fdDevice) File() *os.File { return d.file }

// close closes the Device once: it stops the event goroutine, closes the
// descriptor and runs the destroy function that prepare returned, if
// any, before the control socket goes. prepare, when not nil, runs
// first, while the descriptor still answers.
func (d *fdDevice) close(prepare func() (destroy func(ctl int) error)) error {
	d.once.Do(func() {
		var destroy func(ctl int) error
		if prepare != nil {
			destroy = prepare()
		}
		d.Name()
		d.closed.Store(true)
		close(d.sink.closing)
		d.err = d.file.Close()
		d.monitor.Close()
		<-d.done
		if destroy != nil {
			d.ctlMu.Lock()
			if err := destroy(d.ctl); err != nil && d.err == nil {
				d.err = err
			}
			d.ctlMu.Unlock()
		}
		d.release()
	})
	return d.err
}

// release closes whatever was opened, once nothing else can use it.
func (d *fdDevice) release() {
	d.ctlMu.Lock()
	if d.ctl >= 0 {
		unix.Close(d.ctl)
		d.ctl = -1
	}
	d.ctlMu.Unlock()
	if d.monitor != nil {
		d.monitor.Close()
	}
	d.file.Close()
}
