// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// refuseAll stands in for FreeBSD's connect(2) to a live daemon whose
// accept queue is full. sys/kern/uipc_usrreq.c unp_connectat refuses it:
//
//	so2 = sonewconn(so2, 0);
//	...
//	if (so2 == NULL) {
//		error = ECONNREFUSED;
//
// and sys/kern/uipc_socket.c sonewconn returns NULL once
// `over = (head->sol_qlen > 3 * head->sol_qlimit / 2)`: the same errno a
// socket nobody listens on gives, which any local user can provoke.
func refuseAll(path string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// TestRefusedLiveSocketKept: a refused connection to a socket whose
// daemon holds the lock (a connect flood on FreeBSD) must not make the
// client remove the socket, which would stop the daemon.
func TestRefusedLiveSocketKept(t *testing.T) {
	dir := uapiShortTempDir(t)
	startUAPIFakeIn(t, dir, "wg0", func([]byte) []byte { return []byte("errno=0\n\n") })
	path := filepath.Join(dir, "wg0"+socketSuffix)
	lock, existed, err := LockSocket(path)
	if err != nil || existed {
		t.Fatalf("LockSocket: %v, existed %v", err, existed)
	}
	defer lock.Close()
	b := &UAPIBackend{Dir: dir, connect: refuseAll}
	if _, err := b.Device("wg0"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Device: %v, want a busy error", err)
	}
	names, err := b.Interfaces()
	if err != nil || len(names) != 1 || names[0] != "wg0" {
		t.Errorf("Interfaces: %q, %v", names, err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("socket of a live daemon removed: %v", err)
	}
	// Once the daemon is gone (its lock free), the same refusal is proof.
	lock.Close()
	if _, err := b.Device("wg0"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Device after the daemon left: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale socket kept: %v", err)
	}
}

// TestJudgeRefused pins when a refused connection proves a socket stale.
// Without a lock it does so only where the kernel refuses nothing but a
// dead socket: Linux; FreeBSD also refuses a live listener whose queue is
// over its limit (see refuseAll).
func TestJudgeRefused(t *testing.T) {
	for _, tc := range []struct {
		lock  lockState
		final bool
		want  refusalVerdict
	}{
		{lockHeld, true, refusedBusy},
		{lockHeld, false, refusedBusy},
		{lockUnknown, true, refusedBusy},
		{lockFree, false, refusedStale},
		{lockFree, true, refusedStale},
		{lockAbsent, true, refusedStale},
		{lockAbsent, false, refusedBusy},
	} {
		if got := judgeRefused(tc.lock, tc.final); got != tc.want {
			t.Errorf("judgeRefused(%v, %v) = %v, want %v", tc.lock, tc.final, got, tc.want)
		}
	}
}

func TestSocketLockPath(t *testing.T) {
	if got := SocketLockPath("/var/run/wireguard/wg0.sock"); got != "/var/run/wireguard/wg0.lock" {
		t.Error(got)
	}
}

// TestLockSocketHeld: a second daemon cannot take a held lock, and a
// lock file left behind is reused.
func TestLockSocketHeld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wg0.sock")
	f, _, err := LockSocket(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := LockSocket(path); !errors.Is(err, ErrSocketLocked) {
		t.Errorf("second LockSocket: %v", err)
	}
	f.Close()
	g, existed, err := LockSocket(path)
	if err != nil || !existed {
		t.Fatalf("LockSocket after release: %v, existed %v", err, existed)
	}
	g.Close()
}
