// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"net"
	"runtime"
	"syscall"
	"time"
)

// refusedRetries is how many times a refused connection to a control
// socket is tried again before the refusal counts, and the socket is taken
// for stale and removed. FreeBSD refuses a connection to a live daemon
// whose accept queue is full (a connect flood), so there a refusal is
// tried again; Linux makes the connection wait instead, and a refusal is
// final at once.
func refusedRetries() int {
	if runtime.GOOS == "freebsd" {
		return 5
	}
	return 0
}

// firstRefusedWait is the pause before the first retry; each later pause
// is twice the one before (five retries take 310 ms in all).
const firstRefusedWait = 10 * time.Millisecond

// retryRefused calls connect until it does not fail with ECONNREFUSED or
// retries more calls have been made, pausing with sleep in between.
func retryRefused(connect func() (net.Conn, error), retries int, sleep func(time.Duration)) (net.Conn, error) {
	wait := firstRefusedWait
	for i := 0; ; i++ {
		c, err := connect()
		if i == retries || !errors.Is(err, syscall.ECONNREFUSED) {
			return c, err
		}
		sleep(wait)
		wait *= 2
	}
}
