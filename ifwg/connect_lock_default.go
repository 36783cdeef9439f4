// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package ifwg

import "os"

// probeLock reports no lock: there is no flock(2) here.
func probeLock(string) (lockState, func()) { return lockAbsent, func() {} }

// LockSocket holds no lock where there is no flock(2): it returns a nil
// file and reports the lock file absent.
func LockSocket(string) (*os.File, bool, error) { return nil, false, nil }
