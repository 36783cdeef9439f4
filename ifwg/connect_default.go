// SPDX-License-Identifier: BSD-2-Clause

//go:build !unix

package ifwg

import "net"

// connectUnix connects to the unix stream socket at path.
func connectUnix(path string) (net.Conn, error) {
	return net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
}
