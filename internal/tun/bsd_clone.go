// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"fmt"
	"io/fs"
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
// name. On failure it returns the step that failed, as in "open
// /dev/tun", and why.
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
	const openClone = "open " + bsdClonePath
	fd, err = sys.open(bsdClonePath)
	if err == nil {
		if name, err = sys.tunName(fd); err != nil {
			sys.close(fd)
			return -1, "", openClone, err
		}
		return fd, name, "", nil
	}
	if !errors.Is(err, syscall.ENOENT) {
		return -1, "", openClone, err
	}
	name, cerr := sys.create(bsdTunDriver)
	if cerr != nil {
		if errors.Is(cerr, syscall.EPERM) {
			return -1, "", "create a tun interface", cerr
		}
		return -1, "", openClone, err
	}
	path := "/dev/" + name
	if fd, err = sys.open(path); err != nil {
		sys.destroy(name)
		return -1, "", "open " + path, err
	}
	return fd, name, "", nil
}

// cloneError explains why openClone failed at step: for root, whether
// this is a jail (security.jail.jailed), or for another user. A jail
// without vnet refuses even root the creation of interfaces
// (sys/kern/kern_jail.c prison_priv_check lets PRIV_NET_IFCREATE through
// only "if (cred->cr_prison->pr_flags & PR_VNET)"), so there EPERM means
// the jail, not the user. Without the privilege devfs answers ENOENT for
// /dev/tun, as if tun(4) were absent.
func cloneError(step string, err error, root, jailed bool) error {
	switch {
	case errors.Is(err, syscall.EPERM) && root && jailed:
		return fmt.Errorf("%w: cannot %s: %w (%s)", ErrNoDevice, step, err, noDeviceHint(true))
	case errors.Is(err, syscall.ENOENT) && !root:
		return fmt.Errorf("tun: cannot %s: %w (creating tun(4) interfaces needs root)", step, fs.ErrPermission)
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%w: cannot %s: %w (%s)", ErrNoDevice, step, err, noDeviceHint(jailed))
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("tun: cannot %s: %w (wgd must run as root)", step, err)
	}
	return fmt.Errorf("tun: cannot %s: %w", step, err)
}

// noDeviceHint says why /dev/tun may be missing.
func noDeviceHint(jailed bool) string {
	if jailed {
		return "this jail cannot create tun(4) interfaces: it needs vnet, and a devfs ruleset that unhides tun*"
	}
	return "tun(4) is not available: load if_tuntap"
}
