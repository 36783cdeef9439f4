// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"
	"net"
)

// privilegedUID reports whether a caller with that effective user ID has
// the kernel's PRIV_NET_WG: root's (jailed root included, as the socket
// lives in the daemon's jail).
func privilegedUID(uid uint32) bool { return uid == 0 }

// peerUID returns the effective user ID of the process at the other end
// of c, as the kernel recorded it when that process connected.
func peerUID(c *net.UnixConn) (uint32, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("failed to reach socket: %w", err)
	}
	var uid uint32
	var credErr error
	if err := rc.Control(func(fd uintptr) { uid, credErr = socketPeerUID(int(fd)) }); err != nil {
		return 0, fmt.Errorf("failed to reach socket: %w", err)
	}
	return uid, credErr
}
