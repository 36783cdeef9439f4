// SPDX-License-Identifier: BSD-2-Clause

// Package noise implements the cryptographic core of the WireGuard protocol:
// the Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake, the wire layout of
// the four message types, and the transport keypairs that seal and open data
// packets.
//
// The vocabulary follows the WireGuard paper. A StaticIdentity is the local
// static Curve25519 keypair. A Handshake is the per-peer state of one
// handshake (chaining key, hash, ephemeral keys, indices) plus what must
// survive across handshakes (the precomputed static-static secret, the
// preshared key, the last accepted initiation timestamp and when it was
// accepted). The initiator calls CreateInitiation and later ConsumeResponse;
// the responder calls StaticIdentity.ConsumeInitiation and then
// CreateResponse. Each side ends with a Keypair that seals and opens
// transport data in place.
//
// The package is engine-independent and knows nothing of sockets, queues or
// configuration protocols. What it leaves to the engine:
//
//   - Index allocation. The engine owns the table that maps 32-bit local
//     indices to handshakes and keypairs; it passes a fresh local index to
//     CreateInitiation and CreateResponse and looks up incoming responses and
//     transport data by their receiver index.
//   - Peer lookup. ConsumeInitiation decrypts the initiator's static public
//     key and asks a caller-supplied PeerLookup for its Handshake.
//   - MAC1/MAC2, cookies and the rate limiter. Handshake messages are
//     marshalled with zero MAC fields; package cookie fills them in and
//     checks them before the messages are consumed here.
//   - Timers, rekeying, key confirmation, the replay window and padding. A
//     responder's keypair must not be used for sending until the first data
//     packet has been opened with it; Keypair.IsInitiator tells the engine
//     which case applies. PaddedLen computes the padded plaintext length,
//     but the engine writes the padding.
//
// Time comes from a clock function injected into each Handshake, so the
// flood guard, timestamps and keypair creation times follow a fake clock in
// tests. Ephemeral private keys, chaining keys and derived symmetric keys are
// overwritten once they are no longer needed; this is best effort, because
// the Go runtime may have copied them and the AEAD implementations keep
// their own copy of the transport keys until the Keypair is unreachable.
package noise
