// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package main

import "errors"

// closeRangeOnExec is not available here: closeInheritedOnExec marks the
// descriptors one by one.
func closeRangeOnExec(uint) error { return errors.ErrUnsupported }
