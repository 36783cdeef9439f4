// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// socketCaller reads SO_PEERCRED: root is privileged, as
// CAP_NET_ADMIN's holder is for Linux's WireGuard.
func socketCaller(fd int) (Caller, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return Caller{}, fmt.Errorf("failed to read SO_PEERCRED: %w", err)
	}
	return Caller{UID: cred.Uid, Privileged: cred.Uid == 0}, nil
}
