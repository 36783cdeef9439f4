// SPDX-License-Identifier: BSD-2-Clause

// Package cookie implements WireGuard's denial-of-service defences at the
// message level: the mac1 and mac2 fields of handshake messages and the
// cookie reply that a responder under load sends instead of a response.
//
// Every handshake message ends with two 16-byte MACs, computed with keyed
// BLAKE2s-128. mac1 covers the message up to mac1, keyed with
// HASH("mac1----" || receiver's static public key); it proves the sender
// knows whom it is talking to and is cheap to check before any
// Diffie-Hellman work. mac2 covers the message up to mac2, keyed with a
// cookie the receiver handed out earlier; it proves the sender owns its
// source address.
//
// A Checker belongs to the local identity (the receiving side). It checks
// mac1 always and mac2 when the caller says the device is under load, and it
// makes cookie replies: the cookie is a MAC of the source address and port
// under a random secret replaced every two minutes, encrypted with
// XChaCha20-Poly1305 under HASH("cookie--" || local static public key) with
// the triggering message's mac1 as additional data.
//
// A Generator belongs to one peer (the sending side). It fills in mac1 and,
// while it holds a cookie younger than CookieUseTime, mac2 on every
// handshake message to that peer, and it consumes cookie replies addressed
// to the last message it stamped.
//
// Out of scope: deciding when the device is under load (the engine derives
// it from its handshake queue and passes a bool), the per-source rate
// limiter that follows a valid mac2, and the index lookup that routes a
// cookie reply to its peer's Generator. Time comes from an injected clock.
package cookie
