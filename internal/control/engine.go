// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"github.com/wgbsd/wgbsd/ifwg"
)

// Engine is what a Server needs from the WireGuard engine: a way to change
// its configuration and a way to read its state. device.go adapts
// *device.Device to it.
type Engine interface {
	// Configure runs fn with the configuration lock held. Each Tx call
	// takes effect at once; nothing is rolled back when fn fails, as in
	// the kernel. Configure returns fn's error, or an error of its own
	// when fn could not run (the engine is closed).
	Configure(fn func(tx Tx) error) error
	// Snapshot returns the current state, secrets included; the Server
	// leaves them out for callers that may not read them. PrivateKey and
	// PublicKey are nil without an identity; peers are in creation order
	// with their allowed IPs newest first.
	Snapshot() *ifwg.Device
}

// Tx changes the interface inside Engine.Configure; ifwg.ApplySet drives
// it with the kernel's SET semantics.
type Tx = ifwg.SetTarget

// PeerTx changes one peer inside Engine.Configure.
type PeerTx = ifwg.SetPeerTarget
