// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// runWg runs wg(8) and returns its standard output and error.
func runWg(wg string, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	cmd := exec.Command(wg, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestUAPIGetReplyMatchesWg serves get replies to Debian's wg(8) from a
// fake daemon and checks that `wg show <if> dump` shows, field by field,
// the Device ParseUAPIGetReply makes of the same reply, or fails with the
// same error. The replies are the parser's cases and random Devices as
// MarshalUAPIGetReply writes them.
func TestUAPIGetReplyMatchesWg(t *testing.T) {
	testenv.RequireRoot(t)
	wg := testenv.RequireTool(t, "WGBSD_WG", "wg")
	var cases []uapiGetReplyCase
	for _, tc := range uapiGetReplyCases() {
		if !tc.wgDiffers {
			cases = append(cases, tc)
		}
	}
	u := newUAPIRand(3)
	for i := 0; i < 30; i++ {
		d := u.device()
		cases = append(cases, uapiGetReplyCase{name: fmt.Sprintf("random-%d", i), reply: string(MarshalUAPIGetReply(d)), want: d})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startUAPIFake(t, func([]byte) []byte { return []byte(tc.reply) })
			stdout, stderr, wgErr := runWg(wg, "show", srv.name, "dump")
			d, err := ParseUAPIGetReply(strings.NewReader(tc.reply))
			if wgErr != nil {
				checkWgSameError(t, "Unable to access interface: ", stderr, err)
				return
			}
			if err != nil {
				t.Fatalf("wg(8) read the reply, the parser failed: %v\n%s", err, stdout)
			}
			if stderr != "" {
				t.Errorf("wg(8) wrote to stderr: %s", stderr)
			}
			checkWgDump(t, stdout, d)
		})
	}
}

// TestUAPISetReplyMatchesWg answers `wg set` from a fake daemon with each
// set reply and checks that wg(8) fails exactly when ParseUAPISetReply
// does, with the same errno.
func TestUAPISetReplyMatchesWg(t *testing.T) {
	testenv.RequireRoot(t)
	wg := testenv.RequireTool(t, "WGBSD_WG", "wg")
	for _, tc := range uapiSetReplyCases() {
		if tc.wgDiffers {
			continue
		}
		t.Run(strings.ReplaceAll(tc.reply, "\n", `\n`), func(t *testing.T) {
			srv := startUAPIFake(t, func([]byte) []byte { return []byte(tc.reply) })
			_, stderr, wgErr := runWg(wg, "set", srv.name, "listen-port", "1")
			err := ParseUAPISetReply(strings.NewReader(tc.reply))
			switch {
			case wgErr != nil:
				checkWgSameError(t, "Unable to modify interface: ", stderr, err)
			case err != nil:
				t.Errorf("wg(8) accepted the reply, the parser failed: %v", err)
			}
		})
	}
}

// checkWgSameError checks that the parser failed with the error wg(8)
// reported as prefix and strerror.
func checkWgSameError(t *testing.T, prefix, stderr string, err error) {
	t.Helper()
	msg, ok := strings.CutPrefix(strings.TrimSpace(stderr), prefix)
	if !ok {
		t.Fatalf("wg(8) failed with %q", stderr)
	}
	var en *Errno
	var ours string
	switch {
	case err == nil:
		t.Fatalf("wg(8) failed with %q, the parser did not", msg)
	case errors.Is(err, ErrUAPIProtocol):
		ours = syscall.EPROTO.Error()
	case errors.As(err, &en):
		ours = en.Errno.Error()
		if n, ok := strings.CutPrefix(ours, "errno "); ok {
			ours = "Unknown error " + n // glibc's text for an errno it does not know
		}
	default:
		t.Fatalf("unexpected parser error %v", err)
	}
	if !strings.EqualFold(msg, ours) {
		t.Errorf("wg(8) failed with %q, the parser with %v", msg, err)
	}
}

// checkWgDump compares the output of `wg show <if> dump` with d.
func checkWgDump(t *testing.T, dump string, d *Device) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(dump, "\n"), "\n")
	if len(lines) != 1+len(d.Peers) {
		t.Fatalf("dump has %d lines for %d peers:\n%s", len(lines), len(d.Peers), dump)
	}
	checkWgFields(t, "interface", lines[0], []string{
		wgKeyText(d.PrivateKey), wgKeyText(d.PublicKey),
		strconv.Itoa(int(d.ListenPort)), wgOffOr(uint64(d.FwMark), "0x%x")})
	for i, p := range d.Peers {
		psk := p.PresharedKey
		if psk != nil && psk.IsZero() {
			psk = nil
		}
		ep := "(none)"
		if p.Endpoint.IsValid() {
			ep = formatUAPIEndpoint(p.Endpoint, true)
		}
		aips := "(none)"
		if len(p.AllowedIPs) > 0 {
			var s []string
			for _, a := range p.AllowedIPs {
				s = append(s, string(appendUAPIPrefix(nil, a)))
			}
			aips = strings.Join(s, ",")
		}
		checkWgFields(t, fmt.Sprintf("peer %d", i), lines[1+i], []string{
			p.PublicKey.String(), wgKeyText(psk), ep, aips,
			strconv.FormatUint(uint64(p.LastHandshake.Sec), 10),
			strconv.FormatUint(p.RxBytes, 10), strconv.FormatUint(p.TxBytes, 10),
			wgOffOr(uint64(p.PersistentKeepalive), "%d")})
	}
}

// checkWgFields compares the tab-separated fields of a dump line.
func checkWgFields(t *testing.T, what, line string, want []string) {
	t.Helper()
	got := strings.Split(line, "\t")
	if len(got) != len(want) {
		t.Errorf("%s: dump line %q has %d fields, want %d", what, line, len(got), len(want))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s field %d: wg(8) shows %q, the parser gave %q", what, i, got[i], want[i])
		}
	}
}

// wgKeyText is how wg(8)'s dump shows a key that may be missing.
func wgKeyText(k *Key) string {
	if k == nil {
		return "(none)"
	}
	return k.String()
}

// wgOffOr is how wg(8)'s dump shows a number where 0 means off.
func wgOffOr(v uint64, format string) string {
	if v == 0 {
		return "off"
	}
	return fmt.Sprintf(format, v)
}
