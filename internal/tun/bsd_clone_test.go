// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"syscall"
	"testing"
)

// fakeClone stands in for the kernel as sys/net/if_tuntap.c behaves:
// /dev/tun clones tunN only while devfs cloning is on; SIOCIFCREATE2 for
// "tun" creates tunN and its node /dev/tunN (tun_clone_create, then
// tun_create_device with the name); the cloner exists only while
// if_tuntap is loaded.
type fakeClone struct {
	devfsCloning bool
	loaded       bool
	root         bool
	nodes        map[string]bool
	next         int
	calls        []string
	failOpen     string
}

func (k *fakeClone) sys() cloneSys {
	return cloneSys{
		open: func(path string) (int, error) {
			k.calls = append(k.calls, "open "+path)
			switch {
			case path == k.failOpen:
				return -1, syscall.EBUSY
			case path == bsdClonePath && k.loaded && k.root && k.devfsCloning:
				k.nodes[fmt.Sprintf("tun%d", k.next)] = true
				k.next++
				return 3, nil
			case path == bsdClonePath:
				return -1, syscall.ENOENT // devfs: the clone handler declined
			case k.nodes[path[len("/dev/"):]]:
				return 4, nil
			}
			return -1, syscall.ENOENT
		},
		close: func(fd int) { k.calls = append(k.calls, fmt.Sprint("close ", fd)) },
		tunName: func(fd int) (string, error) {
			return fmt.Sprintf("tun%d", k.next-1), nil
		},
		create: func(name string) (string, error) {
			k.calls = append(k.calls, "create "+name)
			switch {
			case !k.root:
				return "", syscall.EPERM // priv_check(PRIV_NET_IFCREATE)
			case !k.loaded:
				return "", syscall.EINVAL // if_clone_create: no cloner matches
			}
			n := fmt.Sprintf("tun%d", k.next)
			k.next++
			k.nodes[n] = true
			return n, nil
		},
		destroy: func(name string) {
			k.calls = append(k.calls, "destroy "+name)
			delete(k.nodes, name)
		},
	}
}

func TestOpenClone(t *testing.T) {
	for _, c := range []struct {
		name      string
		k         fakeClone
		wantName  string
		wantErr   error
		wantCalls []string
	}{
		{"devfs cloning", fakeClone{devfsCloning: true, loaded: true, root: true},
			"tun0", nil, []string{"open /dev/tun"}},
		{"devfs_cloning=0", fakeClone{loaded: true, root: true, next: 2},
			"tun2", nil, []string{"open /dev/tun", "create tun", "open /dev/tun2"}},
		{"if_tuntap not loaded", fakeClone{root: true},
			"", syscall.ENOENT, []string{"open /dev/tun", "create tun"}},
		{"not root", fakeClone{loaded: true, devfsCloning: true},
			"", syscall.EPERM, []string{"open /dev/tun", "create tun"}},
		{"node busy", fakeClone{loaded: true, root: true, failOpen: "/dev/tun0"},
			"", syscall.EBUSY, []string{"open /dev/tun", "create tun", "open /dev/tun0", "destroy tun0"}},
	} {
		k := c.k
		k.nodes = map[string]bool{}
		fd, name, failed, err := openClone(k.sys())
		if name != c.wantName || !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
			t.Errorf("%s: fd %d, name %q, err %v (%s); want %q, %v", c.name, fd, name, err, failed, c.wantName, c.wantErr)
		}
		if err == nil && fd < 0 || err != nil && (fd != -1 || failed == "") {
			t.Errorf("%s: fd %d, failed %q with err %v", c.name, fd, failed, err)
		}
		if !slices.Equal(k.calls, c.wantCalls) {
			t.Errorf("%s: calls %q, want %q", c.name, k.calls, c.wantCalls)
		}
	}
}

// TestCloneError runs openClone against the stand-in and checks the
// message a user gets. Root in a jail without vnet is refused the
// creation like any user (sys/kern/kern_jail.c prison_priv_check allows
// PRIV_NET_IFCREATE only "if (cred->cr_prison->pr_flags & PR_VNET)"; the
// clone handler: "if (!tundclone || priv_check_cred(cred,
// PRIV_NET_IFCREATE) != 0) return;"), so its EPERM from SIOCIFCREATE2
// must name the jail and the step that failed, not root.
func TestCloneError(t *testing.T) {
	for _, c := range []struct {
		name         string
		k            fakeClone
		root, jailed bool
		want         string
		is           error
	}{
		{"jail without vnet", fakeClone{loaded: true, devfsCloning: true}, true, true,
			"tun: no tun device: cannot create a tun interface: " + syscall.EPERM.Error() + " (this jail cannot create tun(4) interfaces: it needs vnet, and a devfs ruleset that unhides tun*)", ErrNoDevice},
		{"not root", fakeClone{loaded: true, devfsCloning: true}, false, false,
			"tun: cannot create a tun interface: " + syscall.EPERM.Error() + " (wgd must run as root)", syscall.EPERM},
		{"not root in a jail", fakeClone{loaded: true, devfsCloning: true}, false, true,
			"tun: cannot create a tun interface: " + syscall.EPERM.Error() + " (wgd must run as root)", syscall.EPERM},
		{"if_tuntap not loaded", fakeClone{root: true}, true, false,
			"tun: no tun device: cannot open /dev/tun: " + syscall.ENOENT.Error() + " (tun(4) is not available: load if_tuntap)", ErrNoDevice},
		{"node busy", fakeClone{loaded: true, root: true, failOpen: "/dev/tun0"}, true, true,
			"tun: cannot open /dev/tun0: " + syscall.EBUSY.Error(), syscall.EBUSY},
	} {
		k := c.k
		k.nodes = map[string]bool{}
		_, _, failed, err := openClone(k.sys())
		got := cloneError(failed, err, c.root, c.jailed)
		if got.Error() != c.want || !errors.Is(got, c.is) {
			t.Errorf("%s:\n got %v\nwant %s", c.name, got, c.want)
		}
	}
	if err := cloneError("open /dev/tun", syscall.ENOENT, false, false); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ENOENT for a user: %v, want a permission error", err)
	}
}
