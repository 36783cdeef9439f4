// SPDX-License-Identifier: BSD-2-Clause

// Package sockettest serves fake daemons on stream sockets for tests: the
// accept loop that the fake wgd, UAPI and proxy servers of the tests
// share.
package sockettest

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// Serve accepts connections on ln and runs handle for each in its own
// goroutine, closing the connection when handle returns, until the test
// ends. Then it closes ln and every connection still open, and waits for
// the handlers. It returns the count of connections accepted so far, for
// tests that count how many a client opens.
func Serve(tb testing.TB, ln net.Listener, handle func(c net.Conn)) *atomic.Int64 {
	var accepts atomic.Int64
	var wg sync.WaitGroup
	ended, end := context.WithCancel(context.Background())
	tb.Cleanup(func() { ln.Close(); end(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Close c when the test ends, or at once if it has.
				defer context.AfterFunc(ended, func() { c.Close() })()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return &accepts
}

// nameSeq numbers the names IfName returns in this process.
var nameSeq atomic.Uint32

// IfName returns an interface name that no other test process uses, for
// a fake daemon's socket or a real interface: prefix, the process id and a
// counter, both in base 36, the two joined by "-". With a prefix of up to
// 6 bytes it is at most 15 bytes (IFNAMSIZ-1) while the counter stays
// below 36^3.
func IfName(prefix string) string {
	return prefix + strconv.FormatInt(int64(os.Getpid()), 36) + "-" + strconv.FormatUint(uint64(nameSeq.Add(1)), 36)
}
