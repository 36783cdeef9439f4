// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"
	"net"
)

// peerCaller returns who is at the other end of c, as the kernel recorded
// it when that process connected.
func peerCaller(c *net.UnixConn) (Caller, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Caller{}, fmt.Errorf("failed to reach socket: %w", err)
	}
	var who Caller
	var credErr error
	if err := rc.Control(func(fd uintptr) { who, credErr = socketCaller(int(fd)) }); err != nil {
		return Caller{}, fmt.Errorf("failed to reach socket: %w", err)
	}
	return who, credErr
}
