// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// socketPeerUID reads SO_PEERCRED.
func socketPeerUID(fd int) (uint32, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, fmt.Errorf("failed to read SO_PEERCRED: %w", err)
	}
	return cred.Uid, nil
}
