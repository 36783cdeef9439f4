// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// helperEnv names the socket a copy of the test binary reads and writes
// as another user, in credHelper.
const helperEnv = "WGBSD_CONTROL_CRED_HELPER"

// holdEnv names the socket a copy of the test binary floods with
// connections that trickle bytes, in holdHelper.
const holdEnv = "WGBSD_CONTROL_HOLD_HELPER"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		credHelper(path)
		return
	}
	if path := os.Getenv(holdEnv); path != "" {
		holdHelper(path)
		return
	}
	os.Exit(m.Run())
}

// credHelper reads and changes the interface of the socket at path over
// nvlist and prints what it could do.
func credHelper(path string) {
	b := &ifwg.SocketBackend{Dir: filepath.Dir(path)}
	name := strings.TrimSuffix(filepath.Base(path), ".sock")
	d, err := b.Device(name)
	if err != nil {
		fmt.Printf("get: %v\n", err)
		return
	}
	fmt.Printf("get: private %v, public %v, psk %v\n", d.PrivateKey != nil, d.PublicKey != nil, d.Peers[0].PresharedKey != nil)
	err = b.ConfigureDevice(name, &ifwg.Config{ReplacePeers: true})
	var en *ifwg.Errno
	if errors.As(err, &en) {
		fmt.Printf("set: %d\n", en.Errno)
	} else {
		fmt.Printf("set: %v\n", err)
	}
}

// holdConns is how many connections holdHelper opens: more than one
// user's share and more than the whole unprivileged share used to be.
const holdConns = 40

// holdHelper opens holdConns connections to the socket at path, prints
// "held" once they are open, then sends one byte on each, every 200 ms,
// for at most 60 s: connections that are never idle and never finish a
// request.
func holdHelper(path string) {
	var conns []net.Conn
	for range holdConns {
		c, err := net.Dial("unix", path)
		if err != nil {
			fmt.Printf("dial: %v\n", err)
			return
		}
		conns = append(conns, c)
	}
	fmt.Println("held")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, c := range conns {
			c.Write([]byte("x"))
		}
	}
}

// serveForUsers serves a configured engine on a socket named name in a
// directory every user can reach, with a copy of the test binary beside
// it for other users to run; as root, on systems with peer credentials.
func serveForUsers(t *testing.T, name string) (*Listener, *fakeEngine, string) {
	t.Helper()
	testenv.RequireRoot(t)
	if runtime.GOOS != "linux" && runtime.GOOS != "freebsd" {
		t.Skip("no peer credentials on " + runtime.GOOS)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := configuredEngine()
	l := listen(t, dir, name, e)
	bin := filepath.Join(dir, "helper")
	copyExecutable(t, bin)
	return l, e, bin
}

// TestPerUserShareRealCredentials has nobody hold many connections to a
// served socket, trickling bytes, and checks that another unprivileged
// user is still served: each user has a share of connections of its own,
// counted by the real credentials of the connecting processes.
func TestPerUserShareRealCredentials(t *testing.T) {
	l, _, bin := serveForUsers(t, "wgt1")

	hold := exec.Command("/usr/bin/env", holdEnv+"="+l.Path(), bin)
	hold.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	out, err := hold.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hold.Process.Kill(); hold.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "held\n" {
		t.Fatalf("holder: %q, %v", line, err)
	}

	const otherUser = 65533
	got, stderr, err := runAs(otherUser, "/usr/bin/env", helperEnv+"="+l.Path(), bin)
	if err != nil {
		t.Fatalf("helper: %v: %s", err, stderr)
	}
	if want := "get: private false, public true, psk false\nset: 1\n"; got != want {
		t.Errorf("as uid %d while nobody holds %d connections:\n%s\nwant\n%s", otherUser, holdConns, got, want)
	}
}

// TestPeerCredentials runs a copy of the test binary as nobody against a
// served socket: SO_PEERCRED or LOCAL_PEERCRED must make it unprivileged.
func TestPeerCredentials(t *testing.T) {
	l, e, bin := serveForUsers(t, "wgt0")

	out, stderr, err := runAs(nobodyUID, "/usr/bin/env", helperEnv+"="+l.Path(), bin)
	if err != nil {
		t.Fatalf("helper: %v: %s", err, stderr)
	}
	want := "get: private false, public true, psk false\nset: 1\n"
	if out != want {
		t.Errorf("as nobody:\n%s\nwant\n%s", out, want)
	}
	if len(e.Snapshot().Peers) != 2 {
		t.Error("peers removed")
	}
	out, _, _ = runAs(0, "/usr/bin/env", helperEnv+"="+l.Path(), bin)
	if want := "get: private true, public true, psk true\nset: <nil>\n"; out != want {
		t.Errorf("as root:\n%s\nwant\n%s", out, want)
	}
}

// copyExecutable copies the running test binary to path, mode 0755.
func copyExecutable(t *testing.T, path string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
