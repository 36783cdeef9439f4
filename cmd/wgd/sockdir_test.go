// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseSocketDir(t *testing.T) {
	o, _, err := parseArgs([]string{"-f", "--socket-dir=/run/wg-ns1", "wg0"}, &bytes.Buffer{})
	want := options{foreground: true, socketDir: "/run/wg-ns1", iface: "wg0"}
	if err != nil || o != want {
		t.Errorf("got %+v, %v; want %+v", o, err, want)
	}
	if _, _, err := parseArgs([]string{"--socket-dir=", "wg0"}, &bytes.Buffer{}); err == nil {
		t.Error("an empty socket directory was accepted")
	}

	// A relative directory is taken from where wgd is started: the
	// detached daemon runs in / (daemon.go), where a relative path would
	// name another directory than the one the caller meant.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{
		"run/wg":   filepath.Join(wd, "run/wg"),
		".":        wd,
		"../x/./y": filepath.Join(filepath.Dir(wd), "x/y"),
	} {
		o, _, err := parseArgs([]string{"--socket-dir=" + arg, "wg0"}, &bytes.Buffer{})
		if err != nil || o.socketDir != want {
			t.Errorf("--socket-dir=%s: got %q, %v; want %q", arg, o.socketDir, err, want)
		}
	}
}

// TestSocketDirPerNamespace runs two daemons for one interface name in
// two network namespaces. The socket directory is a file system path,
// shared by every network namespace, so with the default directory the
// second daemon finds the first one's socket and refuses to start; with
// --socket-dir it serves its own socket there and leaves the first
// daemon's alone.
func TestSocketDirPerNamespace(t *testing.T) {
	tl := requireTools(t)
	tp := newTopology(t, tl)
	name := tp.a.iface
	startTestDaemon(t, tl, tp.a, nil, tl.wgd, "-f", name)

	out, err := tp.b.inNS(tl, tl.wgd, "-f", name).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already served by a running daemon") {
		t.Fatalf("second daemon in another namespace, same directory: %v: %q", err, out)
	}

	dir := t.TempDir()
	second := tp.b.inNS(tl, tl.wgd, "-f", "--socket-dir="+dir, name)
	var output bytes.Buffer
	second.Stdout, second.Stderr = &output, &output
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		second.Wait()
		close(exited)
	}()
	defer func() {
		second.Process.Signal(syscall.SIGTERM)
		<-exited
		if t.Failed() {
			t.Logf("second wgd:\n%s", output.String())
		}
	}()
	sock := filepath.Join(dir, name+".sock")
	var c net.Conn
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err = net.Dial("unix", sock); err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("second daemon exited: %q", output.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no socket at %s: %v", sock, err)
		}
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte("get=1\n\n")); err != nil {
		t.Fatal(err)
	}
	var last string
	for lines := bufio.NewScanner(c); lines.Scan() && lines.Text() != ""; {
		last = lines.Text()
	}
	if last != "errno=0" {
		t.Errorf("get over %s ended with %q", sock, last)
	}
	if _, err := os.Lstat(socketPath(name)); err != nil {
		t.Errorf("the first daemon's socket: %v", err)
	}
}
