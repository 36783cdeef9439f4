// SPDX-License-Identifier: BSD-2-Clause

//go:build !linux && !freebsd

package control

import (
	"os"
	"time"
)

// pollInterval is how often the portable watch looks at the socket file.
const pollInterval = time.Second

// watchRemoval watches the socket file by looking at it every second.
func watchRemoval(path string, own os.FileInfo, gone func()) (stop func(), err error) {
	return pollRemoval(path, own, pollInterval, gone), nil
}
