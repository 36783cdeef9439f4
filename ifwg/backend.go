// SPDX-License-Identifier: BSD-2-Clause

package ifwg

// Backend reaches WireGuard interfaces by one means: the FreeBSD kernel's
// ioctls, a wgd control socket, or a UAPI daemon's socket.
//
// A backend that does not have the named interface returns an error that
// matches os.ErrNotExist through errors.Is, so that a caller can try the
// next backend. A request the other side refused returns an *Errno.
type Backend interface {
	// Interfaces lists the names of the interfaces this backend reaches,
	// in the backend's own order.
	Interfaces() ([]string, error)
	// Device returns the state of the named interface.
	Device(name string) (*Device, error)
	// ConfigureDevice applies cfg to the named interface.
	ConfigureDevice(name string, cfg *Config) error
}
