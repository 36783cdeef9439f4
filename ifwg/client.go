// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// Client reaches every WireGuard interface of the host, choosing the
// backend for each name the way wg(8) does: a live control socket in the
// socket directory wins (a userspace daemon: wgd over nvlist, others over
// UAPI), otherwise the FreeBSD kernel's if_wg.
type Client struct {
	// Sockets reaches userspace daemons.
	Sockets *SocketBackend
	// Kernel reaches if_wg; nil where the system has none.
	Kernel Backend
}

var _ Backend = (*Client)(nil)

// NewClient returns a Client for the default socket directory and, on
// FreeBSD, the kernel.
func NewClient() (*Client, error) {
	c := &Client{Sockets: &SocketBackend{}}
	k, err := NewKernelBackend()
	switch {
	case err == nil:
		c.Kernel = k
	case !errors.Is(err, ErrKernelUnsupported):
		return nil, err
	}
	return c, nil
}

// Close releases the kernel control socket.
func (c *Client) Close() error {
	if c.Kernel != nil {
		return CloseKernelBackend(c.Kernel)
	}
	return nil
}

// Interfaces lists the kernel's interfaces (members of group "wg"), then
// the userspace ones, leaving out a name already listed.
func (c *Client) Interfaces() ([]string, error) {
	var names []string
	if c.Kernel != nil {
		k, err := c.Kernel.Interfaces()
		if err != nil {
			return nil, err
		}
		names = k
	}
	u, err := c.Sockets.Interfaces()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(names)+len(u))
	for _, n := range names {
		seen[n] = true
	}
	for _, n := range u {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names, nil
}

// kernelFor returns the kernel backend for a name that has no live
// socket.
func (c *Client) kernelFor(op, name string) (Backend, error) {
	if len(name) >= ifNameSize {
		// Newer wg(8) refuses such a name for the kernel instead of
		// cutting it, which could address another interface.
		return nil, &Errno{Op: op, Errno: syscall.ENAMETOOLONG}
	}
	if c.Kernel != nil {
		return c.Kernel, nil
	}
	return nil, noKernelErr(op, name)
}

// noKernelErr is the error for a name without a socket on a system without
// if_wg. On Linux it is what wg(8) reports when the kernel lacks WireGuard.
func noKernelErr(op, name string) error {
	en := syscall.ENXIO
	if runtime.GOOS == "linux" {
		en = syscall.EPROTONOSUPPORT
	}
	return fmt.Errorf("interface %s: %w", name, &Errno{Op: op, Errno: en})
}

// Device reads the named interface from its backend. A live socket is
// found by connecting to it, and that connection carries the request.
func (c *Client) Device(name string) (*Device, error) {
	conn, err := c.Sockets.dialLive(name)
	if conn != nil {
		return c.Sockets.deviceOn(name, conn)
	}
	if err != nil {
		return nil, err
	}
	b, err := c.kernelFor("get", name)
	if err != nil {
		return nil, err
	}
	return b.Device(name)
}

// ConfigureDevice applies cfg to the named interface through its backend,
// over one connection to a live socket as Device.
func (c *Client) ConfigureDevice(name string, cfg *Config) error {
	conn, err := c.Sockets.dialLive(name)
	if conn != nil {
		return c.Sockets.configureOn(name, conn, cfg)
	}
	if err != nil {
		return err
	}
	b, err := c.kernelFor("set", name)
	if err != nil {
		return err
	}
	return b.ConfigureDevice(name, cfg)
}
