// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/internal/version"
)

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		args []string
		want options
		err  string
	}{
		{[]string{"wg0"}, options{iface: "wg0"}, ""},
		{[]string{"-f", "wg0"}, options{foreground: true, iface: "wg0"}, ""},
		{[]string{"-v", "-f", "wg0"}, options{foreground: true, verbose: true, iface: "wg0"}, ""},
		{[]string{"-fv", "wg0"}, options{foreground: true, verbose: true, iface: "wg0"}, ""},
		{[]string{"wg0", "--foreground", "--verbose"}, options{foreground: true, verbose: true, iface: "wg0"}, ""},
		{[]string{"--", "-f"}, options{iface: "-f"}, ""},
		{[]string{"-"}, options{iface: "-"}, ""},
		{[]string{}, options{}, "expected exactly one interface name"},
		{[]string{"wg0", "wg1"}, options{}, "expected exactly one interface name"},
		{[]string{"-x", "wg0"}, options{}, `unknown option "-x"`},
		{[]string{"-fx", "wg0"}, options{}, `unknown option "-fx"`},
		{[]string{"--fore", "wg0"}, options{}, `unknown option "--fore"`},
	} {
		got, done, err := parseArgs(c.args, &bytes.Buffer{})
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || done || got != c.want {
			t.Errorf("%q: %+v %v %v, want %+v", c.args, got, done, err, c.want)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "usage: wgd [-f] [-v] <interface>\n"},
		{[]string{"--help", "wg0"}, "usage: wgd [-f] [-v] <interface>\n"},
		{[]string{"-V"}, "wgd " + version.Version + " "},
		{[]string{"--version"}, "wgd " + version.Version + " "},
	} {
		var stdout, stderr bytes.Buffer
		if code := wgdMain(c.args, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
			t.Errorf("%q: status %d, stderr %q", c.args, code, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), c.want) {
			t.Errorf("%q: %q", c.args, stdout.String())
		}
	}
}

func TestUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := wgdMain([]string{"-q"}, &stdout, &stderr); code != 1 {
		t.Errorf("status %d", code)
	}
	if stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "wgd: unknown option \"-q\"\nusage: wgd") {
		t.Errorf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

func TestLoggerLevels(t *testing.T) {
	var b bytes.Buffer
	quiet := newLogger(options{iface: "wg0"}, &b)
	quiet.Verbosef("routine %d", 1)
	quiet.Errorf("failure %d", 2)
	if s := b.String(); strings.Contains(s, "routine") || !strings.HasSuffix(s, "error: wg0: failure 2\n") {
		t.Errorf("without -v: %q", s)
	}
	b.Reset()
	loud := newLogger(options{iface: "wg0", verbose: true}, &b)
	loud.control().Verbosef("routine %d", 1)
	loud.device().Errorf("failure %d", 2)
	if s := b.String(); !strings.Contains(s, "wg0: routine 1\n") || !strings.Contains(s, "error: wg0: failure 2\n") {
		t.Errorf("with -v: %q", s)
	}
}
