// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux

package main

import "errors"

// openFDs cannot list the open descriptors here: FreeBSD's /dev/fd shows
// only 0 to 2 unless fdescfs(5) is mounted, so markInherited scans up to
// the descriptor limit instead.
func openFDs() ([]int, error) { return nil, errors.ErrUnsupported }
