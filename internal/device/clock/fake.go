// SPDX-License-Identifier: BSD-2-Clause

package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Fake is a Clock whose time moves only when Advance or Set is called. Due
// timers run synchronously in the goroutine that advances the clock, one
// after another in deadline order, with the clock reading their deadline
// while they run, so a test observes each expiry at its exact time. A
// callback may arm further timers; those that fall due before the target
// time run in the same Advance. The zero Fake is not usable; create one
// with NewFake.
type Fake struct {
	// advance serialises Advance and Set, so callbacks never run
	// concurrently with each other.
	advance sync.Mutex

	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers fakeHeap
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start}
}

// Now returns the fake time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms a fake timer that calls f once the fake time has advanced
// by d. A d of zero or less is due at the next Advance, even Advance(0).
func (c *Fake) AfterFunc(d time.Duration, f func()) Timer {
	t := &fakeTimer{clock: c, f: f, index: -1}
	c.mu.Lock()
	c.arm(t, d)
	c.mu.Unlock()
	return t
}

// Advance moves the fake time forward by d, running every timer that falls
// due on the way.
func (c *Fake) Advance(d time.Duration) {
	c.Set(c.Now().Add(d))
}

// Set moves the fake time forward to t, running every timer that falls due
// on the way. Moving backwards is not allowed and leaves the time as it is.
func (c *Fake) Set(t time.Time) {
	c.advance.Lock()
	defer c.advance.Unlock()
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].when.After(t) {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		next := heap.Pop(&c.timers).(*fakeTimer)
		if next.when.After(c.now) {
			c.now = next.when
		}
		f := next.f
		c.mu.Unlock()
		f()
	}
}

// Pending returns how many timers are armed.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextDeadline returns the deadline of the earliest armed timer, and false
// when none is armed.
func (c *Fake) NextDeadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].when, true
}

// arm schedules t at now+d; c.mu is held.
func (c *Fake) arm(t *fakeTimer, d time.Duration) {
	if t.index >= 0 {
		heap.Remove(&c.timers, t.index)
	}
	t.when = c.now.Add(max(d, 0))
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
}

// fakeTimer is one timer of a Fake.
type fakeTimer struct {
	clock *Fake
	f     func()
	when  time.Time
	seq   uint64 // arming order, to break deadline ties
	index int    // position in the heap, -1 when not armed
}

// Stop disarms t.
func (t *fakeTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.timers, t.index)
	return true
}

// Reset re-arms t for d from the fake now.
func (t *fakeTimer) Reset(d time.Duration) bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	pending := t.index >= 0
	c.arm(t, d)
	return pending
}

// fakeHeap orders timers by deadline, then by arming order.
type fakeHeap []*fakeTimer

func (h fakeHeap) Len() int { return len(h) }

func (h fakeHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}

func (h fakeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}

func (h *fakeHeap) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *fakeHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

var _ Clock = (*Fake)(nil)
