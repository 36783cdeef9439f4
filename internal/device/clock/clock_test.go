// SPDX-License-Identifier: BSD-2-Clause

package clock

import (
	"testing"
	"time"
)

func TestFakeOrderAndTime(t *testing.T) {
	start := time.Unix(1000, 0)
	c := NewFake(start)
	var got []time.Duration
	record := func() { got = append(got, c.Now().Sub(start)) }
	c.AfterFunc(3*time.Second, record)
	c.AfterFunc(1*time.Second, record)
	t2 := c.AfterFunc(2*time.Second, record)
	stopped := c.AfterFunc(2500*time.Millisecond, record)
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if stopped.Stop() {
		t.Fatal("second Stop returned true")
	}
	c.Advance(1500 * time.Millisecond)
	if len(got) != 1 || got[0] != time.Second {
		t.Fatalf("after 1.5s: %v", got)
	}
	if !t2.Reset(2 * time.Second) { // now due at 3.5s
		t.Fatal("Reset of a pending timer returned false")
	}
	c.Advance(10 * time.Second)
	want := []time.Duration{time.Second, 3 * time.Second, 3500 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if c.Now().Sub(start) != 11500*time.Millisecond {
		t.Fatalf("now %v", c.Now().Sub(start))
	}
	if c.Pending() != 0 {
		t.Fatalf("pending %d", c.Pending())
	}
}

func TestFakeCallbackArmsTimer(t *testing.T) {
	c := NewFake(time.Unix(0, 0))
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 5 {
			c.AfterFunc(time.Second, tick)
		}
	}
	c.AfterFunc(time.Second, tick)
	c.Advance(3 * time.Second)
	if n != 3 {
		t.Fatalf("n = %d, want 3", n)
	}
	c.Advance(time.Hour)
	if n != 5 {
		t.Fatalf("n = %d, want 5", n)
	}
	if d, ok := c.NextDeadline(); ok {
		t.Fatalf("unexpected deadline %v", d)
	}
}

func TestSystem(t *testing.T) {
	done := make(chan struct{})
	var sys System
	tm := sys.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	if tm.Stop() {
		t.Fatal("Stop after firing returned true")
	}
	if sys.Now().IsZero() {
		t.Fatal("zero time")
	}
}
