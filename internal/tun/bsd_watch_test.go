// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"slices"
	"syscall"
	"testing"
)

// fakeTun stands in for a tun(4) interface and the interfaces around it
// in the vnet wgd runs in, as FreeBSD's sources say they behave:
//
//   - TUNGIFNAME names the interface wherever it is (sys/net/if_tuntap.c:
//     strlcpy(ifrp->ifr_name, TUN2IFP(tp)->if_xname, IFNAMSIZ)), and
//     fails once the tun is destroyed.
//   - SIOCGIFINDEX finds a name in this vnet only, and answers ENXIO for
//     a name it does not know (sys/net/if.c ifioctl: ifp = ifunit_ref(
//     ifr->ifr_name); if (ifp == NULL) { error = ENXIO; ...).
//   - SIOCGIFSTATUS on a tun names the process that opened it
//     (tunifioctl: "\tOpened by PID %d\n", tp->tun_pid; tunopen and
//     TUNSIFPID set tp->tun_pid = td->td_proc->p_pid).
//   - A rename keeps the index; a move to another vnet and back gives a
//     new one (if_vmove: ifindex_free_locked(ifp->if_index) in the old
//     vnet, then ifindex_alloc_locked(&idx); ifp->if_index = idx in the
//     new one).
type fakeTun struct {
	name      string
	index     int            // 0 while in another vnet
	destroyed bool           // TUNGIFNAME fails
	others    map[string]int // other interfaces here, by name
	// between, when set, runs once before the next SIOCGIFINDEX: a
	// change that lands between two requests of one lookup.
	between  func()
	nameAsks int
	log      []string // what the watcher did: "resync", "gone"
}

const fakePID = 4242

func (k *fakeTun) lookup() tunLookup {
	return tunLookup{
		name: func() (string, error) {
			k.nameAsks++
			if k.destroyed {
				return "", syscall.ENXIO
			}
			return k.name, nil
		},
		index: func(name string) (int, error) {
			if f := k.between; f != nil {
				k.between = nil
				f()
			}
			if name == k.name && k.index != 0 && !k.destroyed {
				return k.index, nil
			}
			if i, ok := k.others[name]; ok {
				return i, nil
			}
			return 0, syscall.ENXIO
		},
		owner: func(name string) (int, error) {
			if name == k.name && k.index != 0 && !k.destroyed {
				return fakePID, nil
			}
			if _, ok := k.others[name]; ok {
				return 0, nil // not a tun, or a tun nobody holds
			}
			return 0, syscall.ENXIO
		},
		pid: fakePID,
	}
}

func (k *fakeTun) locate() (int, bool) {
	_, index, ok := locateTun(k.lookup())
	return index, ok
}

func (k *fakeTun) resync() bool { k.log = append(k.log, "resync"); return true }
func (k *fakeTun) gone() bool   { k.log = append(k.log, "gone"); return true }

// rename renames the tun as sys/net/if.c if_rename does, and returns the
// messages it sends: the departure of the old name and the arrival of
// the new one, both for the unchanged index,
//
//	EVENTHANDLER_INVOKE(ifnet_departure_event, ifp);
//	...
//	strlcpy(ifp->if_xname, new_name, sizeof(ifp->if_xname));
//	...
//	EVENTHANDLER_INVOKE(ifnet_arrival_event, ifp);
//
// (sys/net/rtsock.c: rt_ifannouncemsg(ifp, IFAN_DEPARTURE) and
// rt_ifannouncemsg(ifp, IFAN_ARRIVAL) for the two events).
func (k *fakeTun) rename(to string) (departure, arrival []byte) {
	departure = announceMsg(uint16(k.index), k.name, ifanDeparture)
	k.name = to
	return departure, announceMsg(uint16(k.index), to, ifanArrival)
}

func newWatcher(k *fakeTun) *routeWatcher {
	return &routeWatcher{sys: k, index: k.index}
}

// TestWatcherRename: a rename must not bring the device down, whether
// the watcher reads the departure after the rename, or reads it while the
// rename is under way and the name changes between TUNGIFNAME and
// SIOCGIFINDEX (if_rename sends the departure before the name changes).
func TestWatcherRename(t *testing.T) {
	k := &fakeTun{name: "wg0", index: 7}
	w := newWatcher(k)
	dep, arr := k.rename("vpn0")
	w.handle(dep)
	w.handle(arr)

	// Under way: the departure is read with the old name still in
	// place, and the name changes between the two requests.
	k.name = "wg0"
	dep = announceMsg(7, "wg0", ifanDeparture)
	var arr2 []byte
	k.between = func() { _, arr2 = k.rename("vpn1") }
	w.handle(dep)
	w.handle(arr2)

	if want := []string{"resync", "resync", "resync", "resync"}; !slices.Equal(k.log, want) {
		t.Errorf("renames: %v, want %v (no departure)", k.log, want)
	}
	if w.index != 7 {
		t.Errorf("index %d after renames, want 7", w.index)
	}
}

// TestWatcherOverflowFollowsNewIndex: the messages lost to an overflow
// moved the tun to another vnet and back, under a new index. The resync
// that stands in for them must look the index up again, or every later
// message about the interface is taken for another interface's.
func TestWatcherOverflowFollowsNewIndex(t *testing.T) {
	k := &fakeTun{name: "wg0", index: 7}
	w := newWatcher(k)
	k.index = 12 // moved away and back; the announcements were lost
	w.recover()
	w.handle(ifMsg(12, bsdIFFUp, 1420))
	if want := []string{"resync", "resync"}; !slices.Equal(k.log, want) || w.index != 12 {
		t.Errorf("after the overflow: %v, index %d; want %v, index 12", k.log, w.index, want)
	}
}

// TestWatcherMovedAway: the tun moves to another vnet (its departure
// here), and another interface of the same name arrives here. That
// interface is not the tun: it must neither be followed nor hide the
// departure, and a resync finds the tun still away.
func TestWatcherMovedAway(t *testing.T) {
	k := &fakeTun{name: "wg0", index: 7}
	w := newWatcher(k)
	k.index = 0
	w.handle(announceMsg(7, "wg0", ifanDeparture))
	k.others = map[string]int{"wg0": 9}
	w.handle(announceMsg(9, "wg0", ifanArrival))
	w.handle(ifMsg(9, bsdIFFUp, 1500))
	w.recover()
	if want := []string{"gone", "gone"}; !slices.Equal(k.log, want) || w.index != 7 {
		t.Errorf("moved away: %v, index %d; want %v, index 7", k.log, w.index, want)
	}
}

// TestWatcherDestroyed: the tun destroyed (TUNGIFNAME fails) is gone.
func TestWatcherDestroyed(t *testing.T) {
	k := &fakeTun{name: "wg0", index: 7}
	w := newWatcher(k)
	k.destroyed = true
	w.handle(announceMsg(7, "wg0", ifanDeparture))
	if want := []string{"gone"}; !slices.Equal(k.log, want) {
		t.Errorf("destroyed: %v, want %v", k.log, want)
	}
}

// TestLocateTun checks the lookup that Close relies on before it
// destroys an interface by name: only the tun itself is found, never
// another interface that has its name in this vnet, and a name that
// keeps changing is given up on after a few tries.
func TestLocateTun(t *testing.T) {
	k := &fakeTun{name: "wg0", index: 0, others: map[string]int{"wg0": 9}}
	if name, index, ok := locateTun(k.lookup()); ok {
		t.Errorf("found %s (index %d), which is another interface", name, index)
	}
	k = &fakeTun{name: "wg0", index: 7}
	if name, index, ok := locateTun(k.lookup()); !ok || name != "wg0" || index != 7 {
		t.Errorf("got %s, %d, %v; want wg0, 7, true", name, index, ok)
	}
	k.destroyed = true
	if _, _, ok := locateTun(k.lookup()); ok {
		t.Error("a destroyed tun was found")
	}

	// A name that changes on every request: bounded.
	k = &fakeTun{name: "a0", index: 7}
	l := k.lookup()
	l.name = func() (string, error) {
		k.nameAsks++
		return string(rune('a'+k.nameAsks)) + "0", nil
	}
	if _, _, ok := locateTun(l); ok || k.nameAsks != locateTries+1 {
		t.Errorf("ok %v after %d names, want false after %d", ok, k.nameAsks, locateTries+1)
	}
}
