// SPDX-License-Identifier: BSD-2-Clause

// Package bindtest provides in-memory conn.Binds for engine tests: a
// Network delivers datagrams between the Binds attached to it, with no
// sockets and no goroutines of its own.
//
// A test can make the network misbehave the way real ones do. A Fault
// function sees every datagram and decides to deliver, drop, duplicate
// or hold it; held datagrams are delivered later, on Release, which
// reorders them behind whatever was sent in between. SetSource changes
// the address a Bind's datagrams appear to come from, as when a peer
// roams or sits behind a NAT that rebinds, and replies to the new address
// still reach it. Inject delivers a datagram the network never carried:
// a replay or a forgery.
//
// Idle tells when the traffic sent so far has been consumed, so that a
// test can wait for the engine to settle before it looks: no datagram is
// queued or held, and every receive function that returned datagrams has
// been called again. A blocking Network (SetBlocking) makes a sender wait
// for room in a full queue instead of losing the datagram, for
// benchmarks.
package bindtest
