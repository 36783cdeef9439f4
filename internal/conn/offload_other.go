// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux

package conn

// SetOffloads does nothing: only the Linux Bind batches with offloads;
// FreeBSD's already runs the loop of one system call per datagram that
// offloads off give on Linux.
func SetOffloads(on bool) {}
