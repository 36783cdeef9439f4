// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// xucredVersion is XUCRED_VERSION from sys/ucred.h, which getpeereid(3)
// checks too.
const xucredVersion = 0

// socketCaller reads LOCAL_PEERCRED, the credentials getpeereid(3)
// returns.
func socketCaller(fd int) (Caller, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return Caller{}, fmt.Errorf("failed to read LOCAL_PEERCRED: %w", err)
	}
	if cred.Version != xucredVersion {
		return Caller{}, fmt.Errorf("unknown xucred version %d", cred.Version)
	}
	return Caller{UID: cred.Uid, Privileged: cred.Uid == 0}, nil
}
