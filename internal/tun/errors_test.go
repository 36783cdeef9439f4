// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestOpenErrors(t *testing.T) {
	for _, c := range []struct {
		err      error
		is       error
		contains string
	}{
		{syscall.ENOENT, ErrNoDevice, "load it"},
		{syscall.ENXIO, ErrNoDevice, "load it"},
		{syscall.EACCES, syscall.EACCES, "must run as root"},
		{syscall.EPERM, syscall.EPERM, "must run as root"},
		{syscall.EMFILE, syscall.EMFILE, "too many open files"},
	} {
		err := openError("/dev/tun", "load it", c.err)
		if !errors.Is(err, c.is) || !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("openError(%v) = %v", c.err, err)
		}
		if strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "tun: ") {
			t.Errorf("not a one-line tun error: %q", err)
		}
	}
}

func TestIoctlErrors(t *testing.T) {
	err := ioctlError("create wg0", syscall.EPERM)
	if err.Error() != "tun: cannot create wg0: operation not permitted (wgd must run as root)" ||
		!errors.Is(err, os.ErrPermission) {
		t.Errorf("got %q", err)
	}
	err = ioctlError("rename tun3 to wg0", syscall.EINVAL)
	if err.Error() != "tun: cannot rename tun3 to wg0: invalid argument" || !errors.Is(err, syscall.EINVAL) {
		t.Errorf("got %q", err)
	}
}
