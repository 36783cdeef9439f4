// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
)

// setErrorf returns the errno of a refused step with its reason.
func setErrorf(en syscall.Errno, format string, args ...any) error {
	return &ifwg.SetError{Errno: en, Reason: fmt.Sprintf(format, args...)}
}

// withErrno returns err, wrapped with what failed, when it carries an
// errno; otherwise a SetError with the fallback errno.
func withErrno(err error, fallback syscall.Errno, what string) error {
	var en syscall.Errno
	if errors.As(err, &en) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &ifwg.SetError{Errno: fallback, Reason: what + ": " + err.Error()}
}

// errnoOf returns 0 for a nil err, otherwise the errno err carries, or
// fallback when it carries none.
func errnoOf(err error, fallback syscall.Errno) syscall.Errno {
	if err == nil {
		return 0
	}
	var en syscall.Errno
	if errors.As(err, &en) && en != 0 {
		return en
	}
	return fallback
}
