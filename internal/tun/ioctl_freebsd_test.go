// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestIoctlsMatchSystem compares the derived numbers with those x/sys
// publishes for the architecture under test.
func TestIoctlsMatchSystem(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint32
	}{
		{"SIOCSIFFLAGS", ioc.sIOCSIFFlags, unix.SIOCSIFFLAGS},
		{"SIOCGIFFLAGS", ioc.sIOCGIFFlags, unix.SIOCGIFFLAGS},
		{"SIOCGIFINDEX", ioc.sIOCGIFIndex, unix.SIOCGIFINDEX},
		{"SIOCSIFNAME", ioc.sIOCSIFName, unix.SIOCSIFNAME},
		{"SIOCGIFMTU", ioc.sIOCGIFMTU, unix.SIOCGIFMTU},
		{"SIOCSIFMTU", ioc.sIOCSIFMTU, unix.SIOCSIFMTU},
		{"SIOCGIFSTATUS", ioc.sIOCGIFStatus, unix.SIOCGIFSTATUS},
		{"SIOCIFDESTROY", ioc.sIOCIFDestroy, unix.SIOCIFDESTROY},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, x/sys has %#x", c.name, c.got, c.want)
		}
	}
	if bsdAFInet6 != unix.AF_INET6 || bsdAFInet != unix.AF_INET || bsdIFFMulticast != unix.IFF_MULTICAST ||
		rtmIfInfo != unix.RTM_IFINFO || rtmIfAnnounce != unix.RTM_IFANNOUNCE || rtmVersion != unix.RTM_VERSION {
		t.Error("a FreeBSD constant differs from x/sys")
	}
}
