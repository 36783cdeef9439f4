// SPDX-License-Identifier: BSD-2-Clause

package tun

// linkUpdate is what one kernel notification says about the interface.
type linkUpdate struct {
	up   bool // IFF_UP is set
	mtu  int  // 0 when the message carries no MTU
	gone bool // the interface was destroyed
}

// linkState remembers what the Events channel has reported so far, so
// that the many notifications a kernel sends for one change turn into at
// most one event each.
type linkState struct {
	known bool
	up    bool
	mtu   int
}

// update folds in the interface's current state and returns the events to
// report, in order. The first update reports up or down and takes the MTU
// as the starting point without an event.
func (s *linkState) update(up bool, mtu int) (evs [2]Event, n int) {
	if !s.known || up != s.up {
		if up {
			evs[n] = EventUp
		} else {
			evs[n] = EventDown
		}
		n++
	}
	if s.known && mtu > 0 && mtu != s.mtu {
		evs[n] = EventMTUUpdate
		n++
	}
	s.known, s.up = true, up
	if mtu > 0 {
		s.mtu = mtu
	}
	return evs, n
}

// eventSink delivers events to a Device's channel without outliving the
// Device: a send gives up once closing is closed.
type eventSink struct {
	ch      chan Event
	closing chan struct{}
	state   linkState
}

func newEventSink() *eventSink {
	return &eventSink{ch: make(chan Event, 8), closing: make(chan struct{})}
}

// apply folds u into the state and sends the resulting events. It returns
// false when the Device is closing.
func (s *eventSink) apply(u linkUpdate) bool {
	if u.gone {
		u.up = false
	}
	evs, n := s.state.update(u.up, u.mtu)
	for _, ev := range evs[:n] {
		select {
		case s.ch <- ev:
		case <-s.closing:
			return false
		}
	}
	return true
}

// upDown spells a link state for messages.
func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}
