// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/wgbsd/wgbsd/internal/conn"
)

// sendTo sends one datagram to addr, for cookie replies, which belong to
// no peer.
func (d *Device) sendTo(msg []byte, addr netip.AddrPort) error {
	bufs := [1][]byte{msg}
	return d.bind.Send(bufs[:], conn.Endpoint{Dst: addr})
}

// openBind opens the bind on port; startReceivers then starts the
// receivers. The bound port becomes the device's port; a non-zero user
// cookie is applied. The caller holds the configuration lock.
func (d *Device) openBind(port uint16) error {
	actual, err := d.bind.Open(port)
	if err != nil {
		return fmt.Errorf("bind port %d: %w", port, err)
	}
	if d.net.userCookie != 0 {
		if err := d.bind.SetMark(d.net.userCookie); err != nil {
			_ = d.bind.Close()
			return fmt.Errorf("set user cookie: %w", err)
		}
	}
	d.net.port = actual
	return nil
}

// closeBind closes the bind and waits for the receivers to exit. The
// caller holds the configuration lock.
func (d *Device) closeBind() error {
	err := d.bind.Close()
	d.net.receivers.Wait()
	return err
}

// rebind moves the sockets of an up device to port. If binding fails, the
// previous port is bound again so that the device keeps working, as
// if_wg keeps its old sockets, and the error is returned.
func (d *Device) rebind(port uint16) error {
	old := d.net.port
	if err := d.closeBind(); err != nil {
		d.log.Errorf("Failed to close sockets: %v", err)
	}
	err := d.openBind(port)
	if err == nil {
		d.startReceivers()
		d.log.Verbosef("Listening on port %d", d.net.port)
		return nil
	}
	rerr := d.openBind(old)
	if rerr == nil {
		d.startReceivers()
	} else {
		d.log.Errorf("Failed to bind port %d again, taking the interface down: %v", old, rerr)
		d.up.Store(false)
		for p := d.firstPeer(); p != nil; p = p.nextPeer {
			p.stop()
		}
	}
	return fmt.Errorf("set listen port: %w", err)
}

// isClosedErr reports whether err means the socket was closed.
func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed)
}
