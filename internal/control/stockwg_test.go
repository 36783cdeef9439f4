// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/sockettest"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// uniqueName returns an interface name no other test process uses.
func uniqueName() string { return sockettest.IfName("wgct") }

// runAs runs a program, as the given user when uid is not 0, and returns
// its standard output and error.
func runAs(uid uint32, prog string, args ...string) (string, string, error) {
	var o, e bytes.Buffer
	cmd := exec.Command(prog, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	}
	err := cmd.Run()
	return o.String(), e.String(), err
}

// TestStockWG drives a served socket in /var/run/wireguard with Debian's
// wg(8), which speaks UAPI: as root it configures and reads everything; as
// an unprivileged user it reads the public part and may change nothing.
func TestStockWG(t *testing.T) {
	testenv.RequireRoot(t)
	wg := testenv.RequireTool(t, "WGBSD_WG", "wg")
	name := uniqueName()
	e := newFakeEngine()
	listen(t, ifwg.DefaultSocketDir, name, e)

	priv, peer := key(0x42), key(7)
	keyFile := t.TempDir() + "/key"
	if err := os.WriteFile(keyFile, []byte(priv.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runAs(0, wg, "set", name, "listen-port", "51820", "fwmark", "0x20",
		"private-key", keyFile, "peer", peer.String(), "endpoint", "192.0.2.1:7",
		"allowed-ips", "10.0.0.0/8,fd00::/64", "persistent-keepalive", "25"); err != nil {
		t.Fatalf("wg set: %v: %s", err, stderr)
	}
	out, stderr, err := runAs(0, wg, "show", name, "dump")
	if err != nil {
		t.Fatalf("wg show: %v: %s", err, stderr)
	}
	want := fmt.Sprintf("%s\t%s\t51820\t0x20\n%s\t(none)\t192.0.2.1:7\tfd00::/64,10.0.0.0/8\t0\t0\t0\t25\n",
		priv.Clamped(), priv.PublicKey(), peer)
	if out != want {
		t.Errorf("root dump:\n%q\nwant\n%q", out, want)
	}

	const nobody = 65534
	out, stderr, err = runAs(nobody, wg, "show", name, "dump")
	if err != nil {
		t.Fatalf("wg show as nobody: %v: %s", err, stderr)
	}
	// UAPI carries no interface public key: wg(8) derives it from the
	// private key, which an unprivileged caller does not get.
	want = fmt.Sprintf("(none)\t(none)\t51820\t0x20\n%s\t(none)\t192.0.2.1:7\tfd00::/64,10.0.0.0/8\t0\t0\t0\t25\n",
		peer)
	if out != want {
		t.Errorf("unprivileged dump:\n%q\nwant\n%q", out, want)
	}
	_, stderr, err = runAs(nobody, wg, "set", name, "listen-port", "1")
	if err == nil || !strings.Contains(stderr, "Operation not permitted") {
		t.Errorf("wg set as nobody: %v: %s", err, stderr)
	}
	if e.Snapshot().ListenPort != 51820 {
		t.Error("unprivileged set changed the port")
	}
}
