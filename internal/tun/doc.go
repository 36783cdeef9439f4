// SPDX-License-Identifier: BSD-2-Clause

// Package tun is wgd's adapter to the operating system's layer-3 tunnel
// interface: the packets that the kernel routes into the WireGuard
// interface come out of a Device, and the packets that wgd decrypts go
// back into the kernel through it.
//
// # Shape
//
// A Device moves raw IPv4 and IPv6 packets, with no header of any kind,
// in batches. Every buffer handed to Read or Write has offset bytes of
// headroom in front of the packet: the engine reserves room there for the
// WireGuard transport header so that it can seal and open in place, and a
// platform may use part of it for its own framing (FreeBSD's 4-byte
// address-family header lives in the last 4 bytes of the headroom, so it
// costs no copy). Offsets below Headroom are rejected.
//
// Create opens a new interface; CreateFromFile adopts an already open tun
// file descriptor, as a daemon does after re-executing itself. Devices
// that let wgd set their MTU and link state also implement Configurator.
//
// # Platforms
//
// On Linux the Device is /dev/net/tun with IFF_TUN|IFF_NO_PI|IFF_VNET_HDR
// and TCP segmentation offload (see Batching), events come from a
// NETLINK_ROUTE socket, and the interface disappears when the Device is
// closed.
//
// On FreeBSD the Device is a tun(4) clone of /dev/tun (or, where devfs
// cloning is off, an interface created with SIOCIFCREATE2 and opened at
// /dev/tunN) in TUNSIFHEAD mode, set to broadcast|multicast mode, with
// IPv6 automatic link-local addresses and duplicate address detection
// turned off (explicitly configured fe80:: addresses still work). It is
// renamed to the requested name, replacing a tun(4) interface of that
// name left behind by an earlier run, and destroyed on Close if it is
// still in this vnet. It is never added to the interface group "wg",
// which wg(8) reserves for if_wg interfaces. Events come from the
// routing socket. Its overflows are reported (SO_RERROR) but the drops
// in the netisr queue in front of it are not, so the state is read
// afresh on an overflow, every 30 seconds, and on every message about
// the interface, and the interface's index is looked up again first. A
// rename, which the kernel announces as a departure and an arrival, is
// followed, not taken for the end (bsd_watch.go). The
// ioctl numbers and structure layouts are derived for both the LP64 and
// the ILP32 ABI in plain Go (bsd_abi.go), so that they are tested on any
// host.
//
// Both Devices share their descriptor handling, Read and Write, the
// event goroutine and the teardown (fdDevice, fddev_unix.go). Their
// plain reads (FreeBSD's, and Linux's without the virtio header) are
// sized for the largest packet, so that none is passed on cut.
//
// Other systems get a Create that fails with ErrUnsupported.
//
// # Batching
//
// FreeBSD cannot move more than one packet per system call through a tun
// device. A Device still reads in batches: after the poller reports the
// descriptor readable, Read keeps reading until the kernel has no more
// packets or the batch is full, so a busy tunnel wakes the reader
// goroutine once per batch rather than once per packet. Write likewise
// writes a whole batch within one poller round trip.
//
// On Linux the virtio header in front of each packet carries offloads
// (offload_linux.go): the kernel hands over TCP segments of up to 64 KiB,
// which Read cuts into MTU-sized packets with their checksums, and Write
// merges runs of consecutive in-order packets of one TCP connection,
// each with a valid checksum, into one segment with one writev, so that
// the kernel's TCP stack handles it once. Write then rewrites the IP and
// TCP headers of the first packet of a merged run. A descriptor without
// the header (adopted from elsewhere) moves plain packets.
//
// The in-memory Device for engine tests is in package tuntest.
package tun
