// SPDX-License-Identifier: BSD-2-Clause

package main

// This file is the harness the differential tests share: a scripted UAPI
// daemon on a real socket under /var/run/wireguard, and helpers that build
// and run our wg and Debian's wg(8) the same way.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/sockettest"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// socketDir is where wg(8) looks for userspace interfaces' sockets.
const socketDir = "/var/run/wireguard"

// fakeServer is a scripted UAPI daemon: it serves one interface on
// /var/run/wireguard/<name>.sock the way wireguard-go does.
type fakeServer struct {
	name string
	path string

	reply    atomic.Pointer[string] // the get reply rendered from the device
	getReply atomic.Pointer[string] // a scripted raw get reply, or nil
	setErrno atomic.Int64

	mu       sync.Mutex
	requests []string
}

// startFakeServer serves a scripted UAPI daemon on
// /var/run/wireguard/<unique>.sock (needs root). It answers get=1 with dev
// rendered in wireguard-go's format, records every set=1 request verbatim
// and answers it with errno=<setErrno> (default 0), and closes the
// connection on any other first line (as wireguard-go does — this is how
// our client falls back from the nvlist protocol to UAPI). Removed with
// t.Cleanup.
func startFakeServer(t *testing.T, dev *ifwg.Device) *fakeServer {
	t.Helper()
	return startNamedFakeServer(t, uniqueIfName(), dev)
}

// startNamedFakeServer is startFakeServer with a chosen interface name
// (which may be longer than an interface name can be), for any test or
// benchmark.
func startNamedFakeServer(tb testing.TB, name string, dev *ifwg.Device) *fakeServer {
	tb.Helper()
	return startFakeServerIn(tb, socketDir, name, dev)
}

// startFakeServerIn is startNamedFakeServer with the socket in dir; see
// runWGIsolated for running wg with dir as its socket directory.
func startFakeServerIn(tb testing.TB, dir, name string, dev *ifwg.Device) *fakeServer {
	tb.Helper()
	testenv.RequireRoot(tb)
	s := &fakeServer{name: name}
	s.SetDevice(dev)
	s.path = filepath.Join(dir, s.name+".sock")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: s.path, Net: "unix"})
	if err != nil {
		tb.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	tb.Cleanup(func() { os.Remove(s.path) })
	sockettest.Serve(tb, ln, s.handle)
	return s
}

// uniqueIfName returns an interface name no other test process uses.
func uniqueIfName() string { return sockettest.IfName("wgbsdt") }

// Name returns the interface name.
func (s *fakeServer) Name() string { return s.name }

// Requests returns the raw set request texts received, in order.
func (s *fakeServer) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// SetDevice replaces the device that get answers describe, in
// wireguard-go's format (ifwg.MarshalUAPIGetReply); a nil dev is an
// interface with nothing set.
func (s *fakeServer) SetDevice(dev *ifwg.Device) {
	if dev == nil {
		dev = &ifwg.Device{}
	}
	reply := string(ifwg.MarshalUAPIGetReply(dev))
	s.reply.Store(&reply)
}

// SetErrno sets the errno value set requests are answered with;
// wireguard-go sends negative values.
func (s *fakeServer) SetErrno(n int) { s.setErrno.Store(int64(n)) }

// SetGetReply makes get answer with raw, verbatim, after which the
// connection is closed; for protocol-error cases.
func (s *fakeServer) SetGetReply(raw string) { s.getReply.Store(&raw) }

// handle answers the requests of one connection, as wireguard-go's
// IpcHandle does: one operation line, its body, the reply; repeated until
// the client closes or sends something else.
func (s *fakeServer) handle(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		op, err := r.ReadString('\n')
		if err != nil {
			return
		}
		var reply []byte
		switch op {
		case "get=1\n":
			if b, err := r.ReadByte(); err != nil || b != '\n' {
				return
			}
			raw, ok := s.getAnswer()
			if !ok {
				c.Write([]byte(raw))
				return
			}
			reply = []byte(raw)
		case "set=1\n":
			body, err := readSetBody(r)
			if err != nil {
				return
			}
			reply = s.recordSet(op + body)
		default:
			return
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// readSetBody reads the lines of a set request up to and including the
// empty line that ends it.
func readSetBody(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return "", err
		}
		if line == "\n" {
			return b.String(), nil
		}
	}
}

// getAnswer returns the reply to a get; ok is false for a scripted raw
// reply, after which the connection is closed.
func (s *fakeServer) getAnswer() (reply string, ok bool) {
	if raw := s.getReply.Load(); raw != nil {
		return *raw, false
	}
	return *s.reply.Load(), true
}

// recordSet stores a set request and returns its reply.
func (s *fakeServer) recordSet(req string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	return []byte("errno=" + strconv.FormatInt(s.setErrno.Load(), 10) + "\n\n")
}

// staleSocket creates /var/run/wireguard/<unique>.sock with nobody
// listening on it, as a crashed daemon leaves it; wg(8) removes such a
// file when it finds it. It returns the interface name; the file is
// removed with t.Cleanup if still there.
func staleSocket(t *testing.T) string {
	t.Helper()
	return staleSocketIn(t, socketDir)
}

// staleSocketIn is staleSocket in dir.
func staleSocketIn(t *testing.T, dir string) string {
	t.Helper()
	testenv.RequireRoot(t)
	name := uniqueIfName()
	recreateStaleSocket(t, dir, name)
	t.Cleanup(func() { os.Remove(filepath.Join(dir, name+".sock")) })
	return name
}

// recreateStaleSocket (re)creates the stale socket file of name in dir.
func recreateStaleSocket(t *testing.T, dir, name string) {
	t.Helper()
	path := filepath.Join(dir, name+".sock")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

// runWG runs a wg binary with argv[0] = "wg" (so usage lines match), the
// given stdin, extra environment, and args; it returns stdout, stderr and
// the exit code. The environment is the test's own without any WG_*
// variable, plus env.
func runWG(t *testing.T, bin, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runWGTB(t, bin, stdin, env, args...)
}

// runWGTB is runWG for any test or benchmark.
func runWGTB(t testing.TB, bin, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := &exec.Cmd{
		Path:  bin,
		Args:  append([]string{"wg"}, args...),
		Stdin: strings.NewReader(stdin),
		Env:   append(cleanEnv(), env...),
	}
	return runCmd(t, cmd, false)
}

// isolatedScript runs as "sh -c" inside a new mount namespace: it mounts
// the directory $0 over /var/run/wireguard and runs wg, found on PATH so
// that its argv[0] is "wg", with the remaining arguments.
const isolatedScript = `mount --bind "$0" ` + socketDir + ` || exit 99; exec wg "$@"`

// runWGIsolated is runWG with dir as the socket directory wg sees: the
// binary runs in a private mount namespace where dir is bind-mounted over
// /var/run/wireguard, so that daemons of other processes are invisible to
// the forms that list every interface. dir must be inside a directory of
// the test's own (a t.TempDir()), where a symlink named wg is made for
// bin. With merged, stdout and stderr share one pipe, and everything is
// returned as stdout. Linux only (unshare(1)).
func runWGIsolated(t *testing.T, bin, dir string, merged bool, stdin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	unshare := testenv.RequireTool(t, "", "unshare")
	cmd := &exec.Cmd{
		Path:  unshare,
		Args:  append([]string{"unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", isolatedScript, dir}, args...),
		Stdin: strings.NewReader(stdin),
		Env:   append(append(cleanEnv(), "PATH="+wgLinkDir(t, filepath.Dir(dir), bin)+":"+os.Getenv("PATH")), env...),
	}
	return runCmd(t, cmd, merged)
}

// wgLinkDir returns a directory under base holding a symlink named wg to
// bin, so that a shell finding wg on PATH runs bin with argv[0] "wg".
func wgLinkDir(t testing.TB, base, bin string) string {
	t.Helper()
	dir := filepath.Join(base, "bin", strings.ReplaceAll(bin, "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "wg")
	if _, err := os.Lstat(link); err != nil {
		if err := os.Symlink(bin, link); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCmd runs cmd and returns its output and exit status; with merged,
// stdout and stderr share one pipe and all of it is returned as stdout. An
// exit status of 99 is the isolation script's own failure.
func runCmd(t testing.TB, cmd *exec.Cmd, merged bool) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if merged {
		cmd.Stderr = &out
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited() && ee.ExitCode() != 99:
		code = ee.ExitCode()
	default:
		t.Fatalf("running %q: %v\n%s", cmd.Args, err, errb.String())
	}
	return out.String(), errb.String(), code
}

// cleanEnv returns the process environment without WG_* variables, so that
// the caller's shell settings cannot change what wg prints.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WG_") {
			env = append(env, kv)
		}
	}
	return env
}

// The build of ./cmd/wg shared by the tests of this process.
var ourBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// ourWG builds ./cmd/wg once per test process (go build into a temporary
// directory that TestMain removes) and returns the binary's path.
func ourWG(t *testing.T) string {
	t.Helper()
	return ourWGTB(t)
}

// ourWGTB is ourWG for any test or benchmark.
func ourWGTB(t testing.TB) string {
	t.Helper()
	gotool := testenv.RequireTool(t, "", "go")
	ourBuild.once.Do(func() {
		ourBuild.dir, ourBuild.err = os.MkdirTemp("", "wgbsd-cmd-wg-")
		if ourBuild.err != nil {
			return
		}
		ourBuild.path = filepath.Join(ourBuild.dir, "wg")
		cmd := exec.Command(gotool, "build", "-o", ourBuild.path, "github.com/wgbsd/wgbsd/cmd/wg")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			ourBuild.err = fmt.Errorf("go build ./cmd/wg: %v\n%s", err, out)
		}
	})
	if ourBuild.err != nil {
		t.Fatal(ourBuild.err)
	}
	return ourBuild.path
}

// debianWG returns the path of the reference wg(8), wireguard-tools
// v1.0.20210914 (Debian 12's package): $WGBSD_WG, or wg on PATH.
func debianWG(t *testing.T) string {
	t.Helper()
	return debianWGTB(t)
}

// debianWGTB is debianWG for any test or benchmark.
func debianWGTB(t testing.TB) string {
	t.Helper()
	return testenv.RequireTool(t, "WGBSD_WG", "wg")
}

// TestMain runs the tests and removes the build of ./cmd/wg afterwards.
func TestMain(m *testing.M) {
	code := m.Run()
	if ourBuild.dir != "" {
		os.RemoveAll(ourBuild.dir)
	}
	os.Exit(code)
}
