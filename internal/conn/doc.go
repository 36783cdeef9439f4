// SPDX-License-Identifier: BSD-2-Clause

// Package conn is wgd's adapter to UDP: a Bind owns the IPv4 and IPv6
// sockets on the listening port and moves WireGuard messages in batches.
//
// # Shape
//
// Open binds both address families to one port (the system picks it when
// the port is 0), or IPv4 alone when the host has no IPv6. ReceiveFuncs
// returns one ReceiveFunc per socket; the engine runs each in its own
// goroutine. Send writes a batch of datagrams to one Endpoint. An
// Endpoint is a comparable value: the remote address and port.
//
// Buffers belong to the caller. A ReceiveFunc fills bufs[i] from index 0,
// and Send sends each bufs[i] whole, so the engine passes the slice that
// holds exactly the message, for example buf[headroom-16:headroom+n] for
// a transport message sealed in place; the Bind never reads or writes
// outside the slices it is given and keeps no reference to them after
// returning.
//
// # Platforms
//
// On Linux a ReceiveFunc is one recvmmsg(2) and a Send one sendmmsg(2)
// per batch, through the Go poller. Send also uses UDP generic
// segmentation offload (UDP_SEGMENT, Linux 4.18 and later): a run of
// equal-sized datagrams, typically a burst of full-MTU transport
// messages, goes down the stack as one message that the kernel or the
// NIC cuts up again, gathered from the caller's buffers without a copy.
// On loopback this cuts the cost of a 1452-byte datagram by about three.
// A segmented message the kernel refuses is sent again unsegmented, and
// EIO (a device that cannot checksum segments) turns segmentation off for
// the socket. SegmentReceiveFuncs turn on receive-side coalescing
// (UDP_GRO) and hand coalesced messages over whole. FreeBSD has no
// recvmmsg system call (its libc emulates it with a loop), so there a
// batch is a loop of recvmsg(2) or sendto(2) calls that runs until the
// kernel has no more datagrams (or no more buffer space) within one
// poller round trip; it still saves the wake-ups. With SetOffloads(false)
// Linux runs that same loop (batch_loop_unix.go), so that FreeBSD's path
// can be measured there. SetMark is SO_MARK on Linux and
// SO_USER_COOKIE on FreeBSD, as for if_wg. Other systems get a portable
// Bind built on package net, one datagram per call.
//
// Sockets get 7 MiB send and receive buffers where the system allows
// (on Linux the *BUFFORCE options, which need CAP_NET_ADMIN, and the plain
// ones otherwise; on FreeBSD the largest size kern.ipc.maxsockbuf
// allows). No call in the data path allocates.
//
// The in-memory Bind for engine tests is in package bindtest.
package conn
