// SPDX-License-Identifier: BSD-2-Clause

// Command wgd is a userspace WireGuard daemon for systems without
// FreeBSD's if_wg(4): it creates a tun interface, runs the WireGuard
// engine on it, and serves the interface's control socket,
// /var/run/wireguard/<interface>.sock, in if_wg's nvlist protocol and in
// wireguard-go's UAPI, so that wgbsd's wg and stock wg(8) both configure
// it.
//
// Usage:
//
//	wgd [-f] [-v] <interface>
//	wgd -V
//
// Without -f, wgd starts a copy of itself in a new session, detached from
// the terminal, and exits once that copy serves the socket (status 0) or
// failed to (status 1, with the copy's error). With -f it stays in the
// foreground, as rc.d scripts and tests run it. -v logs routine events as
// well as errors: to standard error in the foreground, to syslog in the
// background.
//
// wgd stops on SIGTERM, SIGINT or SIGHUP, when its socket file is removed
// (wg-quick's way of stopping a userspace daemon), or when the interface
// disappears; it then destroys the interface and removes the socket.
package main
