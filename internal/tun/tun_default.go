// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package tun

// Create fails: wgd has no tun adapter for this operating system.
func Create(name string, mtu int) (Device, error) {
	return nil, ErrUnsupported
}

// CreateFromFD fails: wgd has no tun adapter for this operating system.
func CreateFromFD(fd int, mtu int) (Device, error) {
	return nil, ErrUnsupported
}
