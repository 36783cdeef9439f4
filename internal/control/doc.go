// SPDX-License-Identifier: BSD-2-Clause

// Package control serves a wgd interface's control socket,
// /var/run/wireguard/<if>.sock, in the two protocols that share it:
//
//   - nvlist, FreeBSD if_wg's own SIOCSWG/SIOCGWG protocol framed as
//     docs/control-protocol.md describes, with the kernel's exact
//     semantics: a SET is applied step by step in wgc_set's order, keeps
//     what was applied when a later step fails and answers the kernel's
//     errno; a GET is wgc_get's nvlist;
//   - UAPI, wireguard-go's text protocol, with wireguard-go's semantics, so
//     that stock wg(8) and wgctrl-go drive wgd unchanged.
//
// The first line a client writes picks the protocol for the connection
// ("nvlist=1" or a UAPI "get=1"/"set=1"). Privilege is the kernel's: the
// socket is connectable by every local user, the caller's peer
// credentials decide, and a caller that is not root reads the interface
// without its private and preshared keys and may not change it (EPERM).
//
// Listen creates the socket (removing a stale one, refusing a live one)
// and watches the file, so that removing it stops the daemon as it stops
// wireguard-go. A Server answers requests against an Engine, the small
// configuration interface of the WireGuard engine (internal/device), which
// tests replace with a fake.
//
// Out of scope: the engine itself, the tun device and UDP sockets, and
// daemon life cycle (cmd/wgd).
package control
