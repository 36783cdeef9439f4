// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"os"
	"runtime"
	"strings"
)

// lockSuffix ends the name of the lock file beside a control socket,
// <name>.lock: wgd holds an exclusive flock(2) on it for as long as it
// serves <name>.sock, so that whether the socket's daemon is alive can be
// told without trusting a refused connection.
const lockSuffix = ".lock"

// SocketLockPath returns the lock file of the control socket at
// sockPath: the same path with ".lock" for ".sock".
func SocketLockPath(sockPath string) string {
	return strings.TrimSuffix(sockPath, socketSuffix) + lockSuffix
}

// ErrSocketLocked reports a control socket whose lock another daemon
// holds.
var ErrSocketLocked = errors.New("control socket locked by a running daemon")

// lockState is what the lock file beside a socket says of its daemon.
type lockState int

const (
	// lockAbsent: there is no lock file; the socket was not made by a
	// daemon that holds one (wireguard-go, or a wgd before locks).
	lockAbsent lockState = iota
	// lockFree: the lock file exists and nobody holds it: the wgd that
	// made the socket is gone.
	lockFree
	// lockHeld: a daemon holds the lock; it is alive.
	lockHeld
	// lockUnknown: the lock file could not be read (not root).
	lockUnknown
)

// refusalVerdict is what a refused connection to a control socket means.
type refusalVerdict int

const (
	// refusedBusy: the daemon may be alive with a full accept queue; the
	// socket must be kept.
	refusedBusy refusalVerdict = iota
	// refusedStale: nothing serves the socket; it may be removed.
	refusedStale
)

// judgeRefused decides what a refused connection means. A lock decides
// when there is one: held, the daemon is alive; free, it is gone. Without
// a lock the refusal itself decides only where the kernel refuses a
// connection to a dead socket and never to a live one (refusalFinal).
// FreeBSD refuses both: a listener whose queue is full as well as one
// that is gone, so there a refusal alone never proves a socket stale.
func judgeRefused(lock lockState, refusalFinal bool) refusalVerdict {
	switch lock {
	case lockHeld, lockUnknown:
		return refusedBusy
	case lockFree:
		return refusedStale
	}
	if refusalFinal {
		return refusedStale
	}
	return refusedBusy
}

// refusalIsFinal reports whether this kernel refuses a unix stream
// connection only when nothing listens. Linux makes a blocking connect
// wait while the accept queue is full; FreeBSD (and, not being known, any
// other system) may refuse a live listener.
func refusalIsFinal() bool { return runtime.GOOS == "linux" }

// removeIfStale removes the control socket at path after a refused
// connection when judgeRefused finds it stale, holding the socket's lock
// (if any) meanwhile so that no daemon starts on it; it reports whether
// the socket counted as stale. Unlike wg(8), which removes a socket on any
// refusal, it keeps one whose daemon may be alive.
func removeIfStale(path string) bool {
	state, release := probeLock(SocketLockPath(path))
	defer release()
	if judgeRefused(state, refusalIsFinal()) != refusedStale {
		return false
	}
	os.Remove(path)
	return true
}

// StaleAfterRefusal reports whether a refused connection proves the
// control socket stale to a daemon that has just taken the socket's lock
// with LockSocket: the lock file existed (a wgd made the socket and is
// gone), or the kernel refuses only dead sockets.
func StaleAfterRefusal(lockExisted bool) bool {
	state := lockAbsent
	if lockExisted {
		state = lockFree
	}
	return judgeRefused(state, refusalIsFinal()) == refusedStale
}
