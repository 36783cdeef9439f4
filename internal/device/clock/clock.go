// SPDX-License-Identifier: BSD-2-Clause

// Package clock is the time source of the wgd engine: an interface with
// the current time and stoppable one-shot callbacks, the system
// implementation, and a fake one that tests advance by hand.
//
// The engine reads time and arms its protocol timers only through a Clock,
// so that tests can drive rekeys, retransmits and key expiry without
// sleeping. A Timer costs nothing while it is not armed: there is no
// goroutine behind it, only a runtime timer (System) or an entry in a heap
// (Fake).
package clock

import "time"

// Clock supplies the current time and one-shot timers. Implementations
// must be safe for concurrent use.
type Clock interface {
	// Now returns the current time. Its monotonic reading orders events;
	// its wall-clock reading is what a GET reports as the last handshake.
	Now() time.Time

	// AfterFunc arranges for f to be called, in its own goroutine or in the
	// goroutine advancing a fake clock, once d has elapsed. The returned
	// Timer can stop or re-arm the call.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call made by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not started and reports whether it
	// did so. It does not wait for a call that has started.
	Stop() bool

	// Reset re-arms the timer to call its function once d has elapsed from
	// now, whether or not it was pending, and reports whether it was
	// pending.
	Reset(d time.Duration) bool
}

// System is the Clock of the operating system, built on time.AfterFunc.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// AfterFunc returns time.AfterFunc(d, f).
func (System) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

var _ Clock = System{}
