// SPDX-License-Identifier: BSD-2-Clause

//go:build unix

package ifwg

import (
	"net"
	"os"
	"syscall"
	"time"
)

// connectUnix connects to the unix stream socket at path with a blocking
// connect(2), as wg(8) does: when the daemon's accept queue is full, it
// waits for room where the kernel waits (Linux), instead of failing with
// EAGAIN as the net package's non-blocking connect does. Where the kernel
// refuses instead (FreeBSD), a refusal is tried again a few times before
// it counts. The connected socket is then handed to the net package.
func connectUnix(path string) (net.Conn, error) {
	return retryRefused(func() (net.Conn, error) { return connectOnce(path) }, refusedRetries(), time.Sleep)
}

// connectOnce makes one blocking connection attempt.
func connectOnce(path string) (net.Conn, error) {
	addr := &net.UnixAddr{Name: path, Net: "unix"}
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: "unix", Addr: addr, Err: os.NewSyscallError("socket", err)}
	}
	for {
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: path})
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, &net.OpError{Op: "dial", Net: "unix", Addr: addr, Err: os.NewSyscallError("connect", err)}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	return net.FileConn(f)
}
