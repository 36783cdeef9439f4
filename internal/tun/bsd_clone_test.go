// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"fmt"
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
