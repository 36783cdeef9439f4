// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"io"
	"testing"

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

// TestWatchLoopResyncs feeds the FreeBSD event loop what a routing
// socket with SO_RERROR delivers: messages, and ENOBUFS once the receive
// buffer overflowed (messages were lost). Both the overflow and every
// message for our index must lead to a resync; messages about other
// interfaces must not.
func TestWatchLoopResyncs(t *testing.T) {
	const index = 7
	r := &scriptedReader{steps: []any{
		ifMsg(3, bsdIFFUp, 1500),
		unix.ENOBUFS,
		addrMsg(index),
		ifMsg(3, 0, 1500),
		ifMsg(index, bsdIFFUp, 9000),
	}}
	resyncs := 0
	resync := func() bool { resyncs++; return true }
	handle := func(msg []byte) bool {
		m, ok := parseRouteMessage(msg)
		if !ok {
			return true
		}
		if a, _ := routeDecision(m, index, nil); a == routeResync {
			return resync()
		}
		return true
	}
	watchLoop(r, make([]byte, 4096), handle, resync)
	if resyncs != 3 {
		t.Errorf("%d resyncs, want 3 (the overflow and two messages for index %d)", resyncs, index)
	}
	if len(r.steps) != 0 {
		t.Errorf("the loop stopped early, %d steps left", len(r.steps))
	}
}
