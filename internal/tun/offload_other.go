// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux

package tun

// SetOffloads does nothing: only Linux's tun has offloads, and a device
// elsewhere moves one packet per read and write anyway.
func SetOffloads(on bool) {}
