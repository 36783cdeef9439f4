// SPDX-License-Identifier: BSD-2-Clause

package main

import "strconv"

// unknownErrno is glibc's text for an errno it has no message for.
func unknownErrno(n int) string { return "Unknown error " + strconv.Itoa(n) }
