// SPDX-License-Identifier: BSD-2-Clause

// Package device is wgd's WireGuard protocol engine: a userspace
// implementation of a WireGuard interface with FreeBSD if_wg's semantics,
// between a TUN device (package tun) and a UDP bind (package conn).
//
// # Scope
//
// A Device holds the interface's static identity and its peers, keyed by
// public key and kept in creation order. It runs the handshake on top of
// packages noise and cookie, keeps each peer's sessions (previous,
// current, next) with their replay windows, drives the timer state
// machine of the WireGuard paper and the kernel (rekey, reject,
// retransmission, keepalives, key erasure), routes outgoing packets and
// checks incoming ones with the allowed-IPs table, follows roaming peers
// and counts traffic as if_wg does.
//
// Out of scope: the configuration protocols (nvlist and UAPI, in the
// control server, which drives a Device through Configure and Snapshot),
// the operating system's TUN and sockets, and DNS.
//
// # Configuration
//
// Configure runs a function with the configuration lock held, as if_wg
// holds its softc lock during SIOCSWG. The ConfigTx and PeerTx methods
// take effect one by one and nothing is rolled back, so the control
// server reproduces the kernel's processing order and its non-atomic
// failures by calling them in that order. Snapshot returns what a GET
// reports.
//
// # Data path
//
// Every packet lives in a pool buffer with headroom for the 16-byte
// transport header in front and room for padding and the tag behind, so
// sealing and opening happen in place and the TUN reads and writes at the
// same offset. The pools are bounded: a reader that finds its pool empty
// waits, which pushes back on the TUN or the sockets instead of growing
// memory.
//
// Packets travel in batches, one batch per TUN read or socket read per
// peer, and each batch crosses two queues: the device-wide queue of its
// direction, served by GOMAXPROCS crypto workers in parallel, and the
// peer's ordered queue. A worker that finishes a batch delivers, in
// order, every finished batch at the head of that peer's queue, so a
// peer's packets keep their order while its crypto runs on every CPU, and
// a peer needs no goroutine. Handshake messages go to a bounded queue of
// their own, served by GOMAXPROCS handshake workers; when it is one
// eighth full the device is under load (for a second) and demands mac2
// cookies, rate-limited per source.
//
// # Time
//
// All time comes from an injected clock.Clock. A peer's five timers are
// clock callbacks created on first use, so an idle peer costs memory for
// its keys and tables only, no goroutine and no armed timer. Tests use a
// clock.Fake and drive rekeys, retransmissions and key expiry without
// sleeping.
//
// # Logging
//
// Logs go to the injected Logger. Peers are named by an abbreviation of
// their public key, peer(AbCd…WxYz); keys are never logged.
package device
