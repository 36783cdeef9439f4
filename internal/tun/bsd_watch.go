// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"syscall"
	"time"
)

// The FreeBSD event goroutine's decisions, over the system calls in
// tunLookup and routeSys, so that they are tested on every host. The
// adapter in tun_freebsd.go only supplies the system calls.

// routeResyncEvery is how often the FreeBSD event goroutine reads the
// interface's state afresh without being told to. Routing messages pass
// through a netisr queue before they reach any socket (sys/net/rtsock.c
// rt_dispatch: netisr_queue(NETISR_ROUTE, m), which frees the message
// when the queue, net.route.netisr_maxqlen long, is full), and a drop
// there is reported to nobody, SO_RERROR or not.
const routeResyncEvery = 30 * time.Second

// locateTries bounds how often locateTun follows a rename that happens
// under it.
const locateTries = 4

// tunLookup holds the queries that find where the tun's interface is.
type tunLookup struct {
	name  func() (string, error)         // TUNGIFNAME on the tun's descriptor
	index func(name string) (int, error) // SIOCGIFINDEX in this vnet
	owner func(name string) (int, error) // the PID that SIOCGIFSTATUS names
	pid   int                            // this process, the tun's controlling process
}

// locateTun returns the name and index that the tun's interface has now
// in this system, or false when the tun is destroyed (its descriptor
// answers no more) or is not here (moved to another vnet). The interface
// that the name finds is the tun only if it is a tun opened by this
// process: after a move to another vnet, the name may belong to another
// interface here.
//
// The name and the index are two requests, and a rename in between makes
// the second fail (ENXIO) or find another interface. When the name that
// TUNGIFNAME gives has changed since, the lookup starts over with the
// new name, a few times at most.
func locateTun(l tunLookup) (name string, index int, ok bool) {
	name, err := l.name()
	if err != nil {
		return "", 0, false
	}
	for range locateTries {
		index, err = l.index(name)
		if err == nil {
			if pid, err := l.owner(name); err == nil && pid == l.pid {
				return name, index, true
			}
		} else if !errors.Is(err, syscall.ENXIO) {
			return "", 0, false
		}
		again, err := l.name()
		if err != nil || again == name {
			return "", 0, false
		}
		name = again
	}
	return "", 0, false
}

// routeSys is what a routeWatcher does about the interface.
type routeSys interface {
	// locate reports where the tun is now, as locateTun does.
	locate() (index int, ok bool)
	// resync reads the interface's state with ioctls and reports it;
	// false when the Device is closing.
	resync() bool
	// gone reports the interface as having left this system; false when
	// the Device is closing.
	gone() bool
}

// routeWatcher follows one tun's interface through the routing socket:
// the FreeBSD event goroutine's state.
type routeWatcher struct {
	sys   routeSys
	index int // the interface's index in this system
}

// handle acts on one routing socket message, as routeDecision says.
func (w *routeWatcher) handle(msg []byte) bool {
	m, ok := parseRouteMessage(msg)
	if !ok {
		return true
	}
	action, index := routeDecision(m, w.index, w.sys.locate)
	w.index = index
	switch action {
	case routeResync:
		return w.sys.resync()
	case routeGone:
		return w.sys.gone()
	}
	return true
}

// recover stands in for messages that may have been lost, after an
// overflow of the socket and periodically: the lost ones may have moved
// the tun to another vnet and back under a new index (if_vmove gives it
// one), so the index is looked up again before the state is read.
func (w *routeWatcher) recover() bool {
	index, ok := w.sys.locate()
	if !ok {
		return w.sys.gone()
	}
	w.index = index
	return w.sys.resync()
}
