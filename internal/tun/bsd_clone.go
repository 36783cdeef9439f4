// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"syscall"
)

// The sequence that opens a new tun(4) interface on FreeBSD, over an
// injectable set of system calls so that it is tested on any host.

// bsdClonePath is the devfs clone node of tun(4).
const bsdClonePath = "/dev/tun"

// cloneSys holds the system calls of openClone.
type cloneSys struct {
	open    func(path string) (fd int, err error) // open(2), read-write, non-blocking
	close   func(fd int)
	tunName func(fd int) (string, error) // TUNGIFNAME on the descriptor
	create  func(name string) (string, error)
	destroy func(name string) // SIOCIFDESTROY, errors ignored
}

// openClone opens a new tun(4) interface and returns its descriptor and
// name. On failure it returns the path whose opening failed and why.
//
// Opening /dev/tun makes devfs clone a new tunN. With the sysctl
// net.link.tun.devfs_cloning set to 0 the clone handler declines (it
// clones only when "mayclone = mayclone && tundclone", sys/net/if_tuntap.c
// tunclone) and the open fails with ENOENT. The interface is then created
// as "ifconfig tun create" does, with SIOCIFCREATE2 for the name "tun",
// for which tun_clone_create picks the unit, makes the node /dev/tunN and
// returns the name; that node is opened. An interface so created whose
// node cannot be opened is destroyed again.
//
// When the fallback cannot create the interface, the error is the
// original ENOENT (tun(4) absent: load if_tuntap), unless the creation
// was refused for privilege.
func openClone(sys cloneSys) (fd int, name, failed string, err error) {
	fd, err = sys.open(bsdClonePath)
	if err == nil {
		if name, err = sys.tunName(fd); err != nil {
			sys.close(fd)
			return -1, "", bsdClonePath, err
		}
		return fd, name, "", nil
	}
	if !errors.Is(err, syscall.ENOENT) {
		return -1, "", bsdClonePath, err
	}
	name, cerr := sys.create(bsdTunDriver)
	if cerr != nil {
		if errors.Is(cerr, syscall.EPERM) {
			err = cerr
		}
		return -1, "", bsdClonePath, err
	}
	path := "/dev/" + name
	if fd, err = sys.open(path); err != nil {
		sys.destroy(name)
		return -1, "", path, err
	}
	return fd, name, "", nil
}
