// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"time"

	"github.com/wgbsd/wgbsd/internal/noise"
)

// Specification constants: the timings and limits of the WireGuard paper
// (section 6), as the kernel and wireguard-go use them.
const (
	// RekeyAfterMessages is the sending counter after which the sender
	// starts a new handshake.
	RekeyAfterMessages = noise.RekeyAfterMessages
	// RejectAfterMessages is the first counter a keypair refuses.
	RejectAfterMessages = noise.RejectAfterMessages
	// RekeyAfterTime is the keypair age after which the initiator rekeys
	// when it sends.
	RekeyAfterTime = 120 * time.Second
	// RejectAfterTime is the keypair age after which it is no longer used
	// for sending or receiving.
	RejectAfterTime = 180 * time.Second
	// RekeyAfterTimeRecv is the keypair age after which the initiator,
	// receiving, starts one last handshake before the keypair expires:
	// RejectAfterTime − KeepaliveTimeout − RekeyTimeout.
	RekeyAfterTimeRecv = RejectAfterTime - KeepaliveTimeout - RekeyTimeout
	// RekeyAttemptTime is how long a handshake is retried before giving up.
	RekeyAttemptTime = 90 * time.Second
	// RekeyTimeout is the handshake retransmission interval, and the
	// minimum interval between two initiations to one peer.
	RekeyTimeout = 5 * time.Second
	// MaxTimerHandshakes is the number of retransmissions after the first
	// initiation that are followed by yet another one; the next expiry
	// gives up.
	MaxTimerHandshakes = int(RekeyAttemptTime / RekeyTimeout)
	// RekeyTimeoutJitterMax bounds the random delay added to the
	// retransmission and new-handshake timers.
	RekeyTimeoutJitterMax = 334 * time.Millisecond
	// KeepaliveTimeout is how long after receiving data a keepalive is
	// sent if nothing else was.
	KeepaliveTimeout = 10 * time.Second
	// NewHandshakeTimeout is how long after sending data without
	// receiving anything a new handshake starts.
	NewHandshakeTimeout = KeepaliveTimeout + RekeyTimeout
	// ZeroKeyMaterialTimeout is how long after the last session was
	// derived every key of the peer is erased.
	ZeroKeyMaterialTimeout = 3 * RejectAfterTime
	// PaddingMultiple is the multiple to which plaintexts are padded.
	PaddingMultiple = noise.PaddingMultiple
)

// Implementation constants: the limits of wgd's queues and tables.
const (
	// MaxPeers is the maximum number of peers per device, the kernel's
	// MAX_REMOTE_PER_LOCAL (2^20).
	MaxPeers = 1 << 20
	// MaxStagedPackets is how many packets a peer holds while it has no
	// session; the oldest is dropped to make room (the kernel's
	// MAX_STAGED_PKT).
	MaxStagedPackets = 128
	// MaxQueuedPackets bounds the packets of one peer in flight through
	// the crypto workers, in each direction (the kernel's MAX_QUEUED_PKT).
	MaxQueuedPackets = 1024
	// MaxQueuedHandshakes bounds the handshake messages waiting for a
	// handshake worker; more are dropped (the kernel's
	// MAX_QUEUED_HANDSHAKES).
	MaxQueuedHandshakes = 4096
	// UnderLoadQueueLength is the handshake queue length from which the
	// device is under load: one eighth of the queue.
	UnderLoadQueueLength = MaxQueuedHandshakes / 8
	// UnderLoadAfterTime is how long the device stays under load after
	// the queue was last seen that long.
	UnderLoadAfterTime = time.Second
	// DefaultMTU is the MTU assumed when the TUN cannot report one.
	DefaultMTU = 1420
	// MaxBatchSize bounds the packets moved in one TUN or UDP batch.
	MaxBatchSize = 128
	// MinBufferSize is the smallest packet buffer, enough for an
	// Ethernet-sized packet with headroom and tag room.
	MinBufferSize = 2048
	// MaxBufferSize is the largest packet buffer: a full UDP datagram.
	MaxBufferSize = 65536 + bufferHeadroom
	// DefaultBufferMemory is the default memory budget of each of the two
	// packet buffer pools.
	DefaultBufferMemory = 16 << 20
)

// Buffer layout: every packet buffer keeps bufferHeadroom bytes in front of
// the IP packet for the transport header (where the TUN may also put its
// own header) and bufferTailroom bytes after it for padding and the tag, so
// that sealing and opening happen in place.
const (
	bufferHeadroom = noise.MessageTransportHeaderSize
	bufferTailroom = PaddingMultiple + noise.TagSize
)
