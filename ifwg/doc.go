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
// AppendGet writes the packed GET reply of a Device directly, byte for byte
// what EncodeGet and Pack produce, for daemons answering GETs of many peers.
//
// The UAPI text protocol of wireguard-go, boringtun and wgd is here too:
// MarshalUAPISet and ParseUAPIGetReply/ParseUAPISetReply on the client
// side, exactly as wg(8) writes and reads them, and NewUAPISetDecoder,
// MarshalUAPIGetReply and ServeUAPI on the daemon side, with
// wireguard-go's semantics.
//
// Backends carry the model to an interface: the FreeBSD kernel ioctls
// (NewKernelBackend), the wgd control socket, which speaks the same nvlist
// protocol framed as docs/control-protocol.md describes (SocketBackend,
// falling back to UAPI for other daemons), and UAPI daemons
// (UAPIBackend). Client picks the backend for each interface name the way
// wg(8) does: a live socket in /var/run/wireguard first, then the kernel.
package ifwg
