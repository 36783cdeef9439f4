// SPDX-License-Identifier: BSD-2-Clause

// Package ifwg is the configuration model of a FreeBSD if_wg(4) WireGuard
// interface and the ways to reach one.
//
// The model has three parts:
//
//   - Key: a 32-byte Curve25519 key with the exact base64 text form that
//     wg(8) accepts and prints, public-key derivation and generation.
//   - Config: a SET request. Every field distinguishes "unset" from "zero"
//     (pointers and explicit flags), exactly as key presence does on the
//     wire, so a Config maps one-to-one onto the nvlist that wg(8) hands to
//     SIOCSWG and onto the UAPI "set" text.
//   - Device: the state a GET returns (SIOCGWG or UAPI "get").
//
// The nvlist mapping (EncodeSet, DecodeSet, EncodeGet, DecodeGet) follows
// FreeBSD's kernel and wg(8) byte for byte: SET payloads are built in
// wg(8)'s key order, GET replies in the kernel's, and the key names are
// spelled once, in nvkeys.go, as the kernel spells them. Endpoints are
// FreeBSD sockaddrs (with sa_len, AF_INET=2, AF_INET6=28) on every
// operating system, because the wire protocol is FreeBSD's.
//
// Backends carry the model to an interface: the FreeBSD kernel ioctls, the
// wgd control socket (the same nvlist protocol, framed as described in
// docs/control-protocol.md) and the cross-platform UAPI text protocol
// spoken by wireguard-go, boringtun and wgd.
package ifwg
