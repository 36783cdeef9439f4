// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"errors"
	"testing"
)

func TestLinkState(t *testing.T) {
	var s linkState
	for i, step := range []struct {
		up   bool
		mtu  int
		want []Event
	}{
		{false, 1420, []Event{EventDown}},
		{false, 1420, nil},
		{true, 1420, []Event{EventUp}},
		{true, 0, nil},
		{true, 1280, []Event{EventMTUUpdate}},
		{false, 1400, []Event{EventDown, EventMTUUpdate}},
		{false, 1400, nil},
	} {
		evs, n := s.update(step.up, step.mtu)
		if got := evs[:n]; !equalEvents(got, step.want) {
			t.Errorf("step %d: events %v, want %v", i, got, step.want)
		}
	}
}

func equalEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEventSinkStopsWhenClosing(t *testing.T) {
	s := newEventSink()
	for i := 0; i < cap(s.ch); i++ {
		s.ch <- EventUp
	}
	close(s.closing)
	if s.apply(linkUpdate{up: true}) {
		t.Fatal("apply went on into a full channel after closing")
	}
}

func TestEventSinkGone(t *testing.T) {
	s := newEventSink()
	s.apply(linkUpdate{up: true, mtu: 1420})
	s.apply(linkUpdate{up: true, gone: true})
	if a, b := <-s.ch, <-s.ch; a != EventUp || b != EventDown {
		t.Fatalf("events %v %v", a, b)
	}
}

func TestEventString(t *testing.T) {
	for ev, want := range map[Event]string{EventUp: "up", EventDown: "down", EventMTUUpdate: "mtu", 9: "event(9)"} {
		if ev.String() != want {
			t.Errorf("%d.String() = %q", int(ev), ev.String())
		}
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"":                 true,
		"wg0":              true,
		"tun-of-15-bytes":  true,
		"tun-of-16-bytes!": false,
		"wg 0":             false,
		"wg/0":             false,
		"wg:0":             false,
		"wg\x00":           false,
		"wg\u00e9":         false,
	} {
		if err := checkName(name); (err == nil) != ok || (err != nil && !errors.Is(err, ErrName)) {
			t.Errorf("checkName(%q) = %v", name, err)
		}
	}
}
