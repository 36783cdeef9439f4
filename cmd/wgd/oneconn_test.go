// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wgbsd/wgbsd/internal/sockettest"
)

// countingProxy listens on the control socket of the interface name and
// forwards each connection to target's socket, counting the connections
// it accepts. It stops when the test ends.
func countingProxy(t *testing.T, name, target string) *atomic.Int64 {
	t.Helper()
	path := socketPath(name)
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	return sockettest.Serve(t, ln, func(c net.Conn) {
		d, err := net.Dial("unix", socketPath(target))
		if err != nil {
			return
		}
		defer d.Close()
		go func() {
			io.Copy(d, c)
			d.(*net.UnixConn).CloseWrite()
		}()
		io.Copy(c, d)
	})
}

// TestOneConnectionPerCommand counts the connections that this tree's
// `wg show <if>` and `wg set <if>` open to wgd's socket, through a proxy
// in front of it: one each.
func TestOneConnectionPerCommand(t *testing.T) {
	tl := requireTools(t)
	s := newTopology(t, tl).a
	startTestDaemon(t, tl, s, nil, tl.wgd, "-f", s.iface)
	name := fmt.Sprintf("wp%d", os.Getpid()%10000000)
	accepts := countingProxy(t, name, s.iface)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"set", name, "listen-port", "51820"}, ""},
		{[]string{"show", name}, "listening port: 51820"},
		{[]string{"show", name, "listen-port"}, "51820"},
	} {
		before := accepts.Load()
		out := runProg(t, "", tl.wg, c.args...)
		if !strings.Contains(out, c.want) {
			t.Errorf("wg %s: %q, want %q in it", strings.Join(c.args, " "), out, c.want)
		}
		if n := accepts.Load() - before; n != 1 {
			t.Errorf("wg %s opened %d connections, want 1", strings.Join(c.args, " "), n)
		}
	}
}
