// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// NewKernelBackend opens the control socket the if_wg ioctls are issued
// on: an AF_LOCAL datagram socket, which works on IPv6-only kernels too.
// Close it with CloseKernelBackend when done.
func NewKernelBackend() (Backend, error) {
	fd, err := unix.Socket(unix.AF_LOCAL, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("failed to open control socket: %w", err)
	}
	return &kernelBackend{ops: &sysKernelOps{fd: fd}}, nil
}

// CloseKernelBackend releases the control socket of a backend returned by
// NewKernelBackend.
func CloseKernelBackend(b Backend) error {
	if k, ok := b.(*kernelBackend); ok {
		if s, ok := k.ops.(*sysKernelOps); ok {
			return unix.Close(s.fd)
		}
	}
	return nil
}

// sysKernelOps issues the ioctls for real.
type sysKernelOps struct {
	fd int
}

func (s *sysKernelOps) wgIoctl(get bool, name [ifNameSize]byte, buf []byte) (int, error) {
	req := wgDataIO{name: name, size: uintptr(len(buf))}
	if len(buf) > 0 {
		req.data = unsafe.Pointer(&buf[0])
	}
	cmd := nativeABI.siocswg()
	if get {
		cmd = nativeABI.siocgwg()
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(s.fd), uintptr(cmd), uintptr(unsafe.Pointer(&req)))
	runtime.KeepAlive(buf)
	if errno != 0 {
		return 0, errno
	}
	return int(req.size), nil
}

func (s *sysKernelOps) groupMembers(group [ifNameSize]byte, buf []byte) (int, error) {
	req := ifGroupReq{name: group, length: uint32(len(buf))}
	if len(buf) > 0 {
		req.groups[0] = unsafe.Pointer(&buf[0])
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(s.fd), uintptr(nativeABI.siocgifgmemb()), uintptr(unsafe.Pointer(&req)))
	runtime.KeepAlive(buf)
	if errno != 0 {
		return int(req.length), errno
	}
	return int(req.length), nil
}
