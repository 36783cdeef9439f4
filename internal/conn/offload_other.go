// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux

package conn

// SetOffloads does nothing: only the Linux Bind batches with offloads;
// FreeBSD's already moves one datagram per system call.
func SetOffloads(on bool) {}
