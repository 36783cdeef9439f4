// SPDX-License-Identifier: BSD-2-Clause

//go:build !freebsd

package ifwg

// NewKernelBackend returns ErrKernelUnsupported: only FreeBSD has if_wg.
func NewKernelBackend() (Backend, error) {
	return nil, ErrKernelUnsupported
}

// CloseKernelBackend does nothing where there is no kernel backend.
func CloseKernelBackend(Backend) error { return nil }
