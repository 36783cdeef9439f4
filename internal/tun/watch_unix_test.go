// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// scriptedReader stands in for a routing socket: each Read returns the
// next message or error, then io.EOF.
type scriptedReader struct {
	steps []any // []byte or error
}

func (r *scriptedReader) Read(b []byte) (int, error) {
	if len(r.steps) == 0 {
		return 0, io.EOF
	}
	s := r.steps[0]
	r.steps = r.steps[1:]
	if err, ok := s.(error); ok {
		return 0, err
	}
	return copy(b, s.([]byte)), nil
}

// SetReadDeadline lets the loop arm its periodic resync; the script
// says when the deadline passes.
func (r *scriptedReader) SetReadDeadline(time.Time) error { return nil }

// TestWatchLoopResyncs feeds the FreeBSD event loop, with the watcher that
// the FreeBSD Device runs, what its routing socket delivers: messages,
// ENOBUFS once the receive buffer overflowed (SO_RERROR), and a read
// deadline passed, the periodic resync for losses nothing reports
// (sys/net/rtsock.c rt_dispatch: netisr_queue(NETISR_ROUTE, m); /* mbuf
// is free'd on failure. */). The overflow, the deadline and every message
// for our index must each lead to one resync; messages about other
// interfaces must not.
func TestWatchLoopResyncs(t *testing.T) {
	const index = 7
	r := &scriptedReader{steps: []any{
		ifMsg(3, bsdIFFUp, 1500),
		unix.ENOBUFS,
		addrMsg(index),
		ifMsg(3, 0, 1500),
		os.ErrDeadlineExceeded,
		ifMsg(index, bsdIFFUp, 9000),
	}}
	k := &fakeTun{name: "wg0", index: index}
	w := newWatcher(k)
	watchLoop(r, make([]byte, 4096), w.handle, w.recover, routeResyncEvery)
	if len(k.log) != 4 || slices.Contains(k.log, "gone") {
		t.Errorf("%v, want 4 resyncs (the overflow, the deadline and two messages for index %d)", k.log, index)
	}
	if len(r.steps) != 0 {
		t.Errorf("the loop stopped early, %d steps left", len(r.steps))
	}
}

// TestWatchLoopPeriodicResync runs the loop on a real descriptor on which
// nothing arrives: the resync must still come, again and again, and the
// loop must end when resync says the Device is closing.
func TestWatchLoopPeriodicResync(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	resyncs := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchLoop(pr, make([]byte, 64), func([]byte) bool { return true }, func() bool {
			resyncs++
			return resyncs < 3
		}, time.Millisecond)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		pw.Close()
		pr.Close()
		<-done
		t.Fatalf("%d resyncs on a silent socket, want 3", resyncs)
	}
	if resyncs != 3 {
		t.Errorf("%d resyncs, want 3", resyncs)
	}
}
