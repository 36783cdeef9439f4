// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"syscall"
)

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
