// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package ifwg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// lockFileMode keeps the lock file root's: a user who could open it could
// hold its lock and keep a new daemon from starting.
const lockFileMode = 0o600

// probeLock reports the state of the lock file at path. When it is free,
// the lock is taken and held until release is called, so that no daemon
// starts on the socket while the caller removes it.
func probeLock(path string) (state lockState, release func()) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return lockAbsent, func() {}
	}
	if err != nil {
		return lockUnknown, func() {}
	}
	if err := flockNB(f); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return lockHeld, func() {}
		}
		return lockUnknown, func() {}
	}
	return lockFree, func() { f.Close() }
}

// flockNB takes an exclusive flock(2) on f without waiting.
func flockNB(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			return err
		}
	}
}

// lockTries and lockRetryWait bound how long LockSocket waits for a
// client that holds the lock for a moment while it removes a stale socket.
const (
	lockTries     = 5
	lockRetryWait = 20 * time.Millisecond
)

// LockSocket takes and holds the lock of the control socket at sockPath,
// creating the lock file when missing (existed then is false). The lock
// lasts until the returned file is closed or the process exits; the file
// itself is never removed, since a removed lock file would let a second
// daemon lock a new file while the first still holds the old one. A lock
// another daemon holds gives an error wrapping ErrSocketLocked.
func LockSocket(sockPath string) (f *os.File, existed bool, err error) {
	path := SocketLockPath(sockPath)
	f, err = os.OpenFile(path, os.O_RDWR, 0)
	existed = err == nil
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, lockFileMode)
	}
	if err != nil {
		return nil, false, fmt.Errorf("failed to open lock file: %w", err)
	}
	for i := 1; ; i++ {
		err = flockNB(f)
		if err == nil {
			return f, existed, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || i == lockTries {
			break
		}
		time.Sleep(lockRetryWait)
	}
	f.Close()
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, false, fmt.Errorf("%s: %w", path, ErrSocketLocked)
	}
	return nil, false, fmt.Errorf("failed to lock %s: %w", path, err)
}
