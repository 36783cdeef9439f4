// SPDX-License-Identifier: BSD-2-Clause

// Package tuntest provides an in-memory tun.Device for engine tests, and
// helpers that build and parse the IPv4 and IPv6 UDP packets such tests
// send through it.
//
// A Device has no goroutine of its own. Packets given to Inject are what
// the engine's Read returns; packets the engine writes come out of
// Written. Like a real tun device it overwrites the headroom in front of
// each packet on Read and Write, so an engine that keeps data there is
// caught.
package tuntest
