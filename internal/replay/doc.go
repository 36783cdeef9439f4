// SPDX-License-Identifier: BSD-2-Clause

// Package replay is the receive-side anti-replay window of a WireGuard
// keypair: the algorithm of RFC 6479, "IPsec Anti-Replay Algorithm without
// Bit Shifting".
//
// # Semantics
//
// A Window remembers which transport-data counters (nonces) it has
// accepted. Validate accepts a counter at most once, and only while it is
// no more than WindowSize (8128) counters behind the highest counter
// accepted so far. A counter exactly WindowSize behind is still accepted;
// one further back is rejected as too old. This is RFC 6479's rule, and
// the one FreeBSD's wg_noise.c and wireguard-go apply. Counters at or
// above RejectAfterMessages are always rejected.
//
// The bitmap is a ring of 128 blocks of 64 bits (8192 bits). Moving the
// window forward clears whole blocks instead of shifting bits, and one
// block is kept spare so that clearing a block never forgets a counter
// that is still inside the window: hence 8192 − 64 = 8128.
//
// FreeBSD's if_wg sizes its blocks by the C long, so its window is 8128
// on 64-bit kernels and 8160 on 32-bit ones, and its reject limit is
// UINT64_MAX − window − 1. wgd uses a window of 8128 and WireGuard's
// RejectAfterMessages (2^64 − 2^13 − 1) on every architecture, as
// wireguard-go does. The difference shows only for packets reordered by
// 8129 to 8160 counters on a 32-bit host, or for counters beyond
// 2^64 − 2^13 − 2, which no sender reaches.
//
// Check is the same test as Validate without recording the counter. The
// receive path may use it before decrypting, to drop obvious replays
// cheaply, but must call Validate after the packet has authenticated:
// only an authenticated counter may move the window.
//
// # Concurrency
//
// A Window is plain data with no lock of its own and no allocation; it is
// not safe for concurrent use. The owner serialises access, as the kernel
// does with the keypair's nonce lock. The zero Window is ready to use.
package replay
