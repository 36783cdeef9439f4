// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// openError turns a failure to open the tun device node into a one-line
// error that says what to do about it. hint explains, for the platform,
// why the node may be missing.
func openError(path, hint string, err error) error {
	switch {
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENXIO), errors.Is(err, unix.ENODEV):
		return fmt.Errorf("%w: cannot open %s: %w (%s)", ErrNoDevice, path, err, hint)
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return fmt.Errorf("tun: cannot open %s: %w (wgd must run as root)", path, err)
	}
	return fmt.Errorf("tun: cannot open %s: %w", path, err)
}

// ioctlError wraps the failure of a request that sets up or queries the
// interface; what says what failed, as in "set the MTU of wg0 to 1420".
func ioctlError(what string, err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("tun: cannot %s: %w (wgd must run as root)", what, err)
	}
	return fmt.Errorf("tun: cannot %s: %w", what, err)
}
