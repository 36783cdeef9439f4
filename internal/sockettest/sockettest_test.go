// SPDX-License-Identifier: BSD-2-Clause

package sockettest

import (
	"bufio"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe echoes a line on two connections, counts them, and checks
// that the end of the test closes the listener and a connection its
// client left open.
func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	var open net.Conn
	t.Run("serve", func(t *testing.T) {
		ln, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		accepts := Serve(t, ln, func(c net.Conn) {
			line, err := bufio.NewReader(c).ReadString('\n')
			if err == nil {
				io.WriteString(c, line)
			}
			io.Copy(io.Discard, c) // until the client or Serve closes c
		})
		for i := range 2 {
			c, err := net.Dial("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "ping\n")
			if got, err := bufio.NewReader(c).ReadString('\n'); got != "ping\n" {
				t.Fatalf("connection %d: echo %q, %v", i, got, err)
			}
			if i == 0 {
				c.Close()
			} else {
				open = c
			}
		}
		if n := accepts.Load(); n != 2 {
			t.Errorf("accepts = %d, want 2", n)
		}
	})
	defer open.Close()
	open.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := open.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the open connection after the test: read %d, %v; want EOF", n, err)
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		t.Error("the listener still accepts after the test")
	}
}

// TestIfName checks that the names differ, carry the prefix and fit in an
// interface name.
func TestIfName(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n := IfName("wgbsdt")
		if seen[n] || !strings.HasPrefix(n, "wgbsdt") || len(n) > 15 {
			t.Fatalf("IfName = %q (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
}
