// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package control

import "errors"

// errNoCredentials reports a platform where wgd cannot learn who is at the
// other end of a connection; such callers are treated as unprivileged.
var errNoCredentials = errors.New("peer credentials not supported on this platform")

// socketCaller cannot learn the caller's credentials here: every caller
// is unprivileged.
func socketCaller(int) (Caller, error) { return Caller{}, errNoCredentials }
