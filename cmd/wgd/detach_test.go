// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestDetachClosesInheritedDescriptors starts wgd detaching, as
// `wgd <if> 9>&1 | cat` does: its standard output and descriptor 9 are
// the write end of a pipe. Once the starting process has exited, the
// pipe's reader must see its end, though the daemon keeps running: the
// daemon must not keep a descriptor it inherited beyond the three
// standard ones (which it points at /dev/null).
func TestDetachClosesInheritedDescriptors(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	s := tp.a
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd := s.inNS(tl, tl.wgd, s.iface)
	cmd.Stdout = pw
	cmd.ExtraFiles = []*os.File{nil, nil, nil, nil, nil, nil, pw} // descriptor 9
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	t.Cleanup(func() { os.Remove(socketPath(s.iface)) }) // stops the daemon
	if err := cmd.Wait(); err != nil {
		t.Fatalf("wgd %s: %v", s.iface, err)
	}
	if c, err := net.Dial("unix", socketPath(s.iface)); err != nil {
		t.Fatalf("the daemon does not serve its socket: %v", err)
	} else {
		c.Close()
	}

	eof := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, pr)
		eof <- err
	}()
	select {
	case err := <-eof:
		if err != nil {
			t.Fatalf("reading the pipe: %v", err)
		}
	case <-time.After(10 * time.Second):
		pr.Close() // ends the reader
		t.Fatal("the pipe is still open 10 s after wgd detached: the daemon kept an inherited descriptor")
	}
	if c, err := net.Dial("unix", socketPath(s.iface)); err != nil {
		t.Fatalf("the daemon stopped: %v", err)
	} else {
		c.Close()
	}
}
