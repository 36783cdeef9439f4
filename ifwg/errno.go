// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"os"
	"syscall"
)

// Errno is the failure of a request that the other side answered with an
// errno: an ioctl return, a wgd control reply or a UAPI "errno=" line. Op
// names the request ("get", "set"). Errno compares equal, through
// errors.Is, to the syscall.Errno it carries.
type Errno struct {
	Op    string
	Errno syscall.Errno
}

// Error returns the operation and the errno's text.
func (e *Errno) Error() string {
	return e.Op + ": " + e.Errno.Error()
}

// Unwrap returns the syscall.Errno.
func (e *Errno) Unwrap() error { return e.Errno }

// Is reports ENXIO (no such interface, from the kernel's interface lookup)
// and ENOENT as os.ErrNotExist, so that callers can tell a missing
// interface from a failing one.
func (e *Errno) Is(target error) bool {
	return target == os.ErrNotExist && (e.Errno == syscall.ENXIO || e.Errno == syscall.ENOENT)
}

// errnoOf returns the syscall.Errno inside err, or 0 when there is none.
func errnoOf(err error) syscall.Errno {
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	return 0
}
