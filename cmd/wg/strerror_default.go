// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux

package main

import "strconv"

// unknownErrno is the BSD C library's text for an errno it has no message
// for.
func unknownErrno(n int) string { return "Unknown error: " + strconv.Itoa(n) }
