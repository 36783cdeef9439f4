// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// nativeABI returns the layouts of this machine's FreeBSD structures.
func nativeABI() (freebsdABI, error) {
	switch {
	case unsafe.Sizeof(uintptr(0)) == 8:
		return abiLP64, nil
	case runtime.GOARCH == "386":
		return abi386, nil
	case runtime.GOARCH == "arm":
		return abiARM, nil
	}
	return freebsdABI{}, fmt.Errorf("no kinfo_proc layout for %s", runtime.GOARCH)
}

// socketCaller reads LOCAL_PEERCRED, the credentials getpeereid(3)
// returns, and leaves the decision to jailCaller; Serve calls it as soon
// as it has accepted the connection, so now stands for the acceptance.
func socketCaller(fd int) (Caller, error) {
	abi, err := nativeABI()
	if err != nil {
		return Caller{}, err
	}
	buf := make([]byte, abi.xucredSize)
	n := uint32(len(buf))
	_, _, en := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if en != 0 {
		return Caller{}, fmt.Errorf("failed to read LOCAL_PEERCRED: %w", en)
	}
	return jailCaller(buf[:n], abi, time.Now(), kinfoProc)
}

// kinfoProc returns the struct kinfo_proc of a process:
// sysctl kern.proc.pid.<pid>.
func kinfoProc(pid int32) ([]byte, error) {
	return unix.SysctlRaw("kern.proc.pid", int(pid))
}
