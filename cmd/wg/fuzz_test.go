// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
)

// renderConfig writes cfg as a configuration file in showconf's layout,
// with only what cfg sets: the inverse of parseConfig. A peer that does
// not replace its allowed IPs gets signed entries.
func renderConfig(cfg *ifwg.Config) string {
	var b strings.Builder
	b.WriteString("[Interface]\n")
	if cfg.ListenPort != nil {
		fmt.Fprintf(&b, "ListenPort = %d\n", *cfg.ListenPort)
	}
	if cfg.FwMark != nil {
		fmt.Fprintf(&b, "FwMark = 0x%x\n", *cfg.FwMark)
	}
	if cfg.PrivateKey != nil {
		fmt.Fprintf(&b, "PrivateKey = %s\n", cfg.PrivateKey)
	}
	for i := range cfg.Peers {
		renderPeerConfig(&b, &cfg.Peers[i])
	}
	return b.String()
}

// renderPeerConfig writes one [Peer] section.
func renderPeerConfig(b *strings.Builder, p *ifwg.PeerConfig) {
	fmt.Fprintf(b, "\n[Peer]\nPublicKey = %s\n", p.PublicKey)
	if p.PresharedKey != nil {
		fmt.Fprintf(b, "PresharedKey = %s\n", p.PresharedKey)
	}
	if len(p.AllowedIPs) > 0 {
		items := make([]string, len(p.AllowedIPs))
		for i, a := range p.AllowedIPs {
			sign := ""
			switch {
			case a.Remove:
				sign = "-"
			case !p.ReplaceAllowedIPs:
				sign = "+"
			}
			items[i] = sign + a.Prefix.String()
		}
		fmt.Fprintf(b, "AllowedIPs = %s\n", strings.Join(items, ", "))
	}
	if p.Endpoint != nil {
		fmt.Fprintf(b, "Endpoint = %s\n", p.Endpoint)
	}
	if p.PersistentKeepalive != nil {
		fmt.Fprintf(b, "PersistentKeepalive = %d\n", *p.PersistentKeepalive)
	}
}

// configSeeds returns the configuration texts of the unit tests and the
// corpus under testdata/config.
func configSeeds(tb testing.TB) []string {
	var seeds []string
	for _, tc := range configCases {
		seeds = append(seeds, expand(tc.text))
	}
	paths, err := filepath.Glob("testdata/config/*.conf")
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	return seeds
}

// FuzzConfigFile checks that the configuration parser never panics, fails
// only with wg(8)'s messages, and that whatever it accepts renders to a
// file that parses to the same Config.
func FuzzConfigFile(f *testing.F) {
	for _, s := range configSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "1"})
		cfg, err := parseConfig(strings.NewReader(text), tr.resolver)
		if !wgAccepted(t, cfg, err) {
			return
		}
		rendered := renderConfig(cfg)
		again, err := parseConfig(strings.NewReader(rendered), tr.resolver)
		if err != nil {
			t.Fatalf("rendered config does not parse: %v\n%s", err, rendered)
		}
		if !reflect.DeepEqual(cfg, again) {
			t.Fatalf("round trip changed the config:\n%s\nbecame\n%s", uapiText(t, cfg), uapiText(t, again))
		}
	})
}

// fuzzKeyFiles are the only files FuzzSetArgs can open.
var fuzzKeyFiles = map[string]string{
	"k":         tPriv1 + "\n",
	"/dev/null": "",
	"short":     "abc",
	"trailing":  tPriv1 + " x",
}

// fuzzOpen opens one of fuzzKeyFiles.
func fuzzOpen(path string) (io.ReadCloser, error) {
	if s, ok := fuzzKeyFiles[path]; ok {
		return io.NopCloser(strings.NewReader(s)), nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
}

// FuzzSetArgs checks that the `wg set` argument parser never panics and
// fails only with wg(8)'s messages. The input is the words, one per line.
func FuzzSetArgs(f *testing.F) {
	for _, tc := range setArgsCases {
		f.Add(expand(strings.Join(tc.words, "\n")))
	}
	f.Add("listen-port\n1\nfwmark\n0x10\nprivate-key\nk\npeer\n" + tPub1 + "\nendpoint\n[fe80::1%lo]:5\nallowed-ips\n+10.0.0.0/8,-::/0")
	f.Fuzz(func(t *testing.T, input string) {
		tr := newTestResolver(map[string]string{"WG_ENDPOINT_RESOLUTION_RETRIES": "1"})
		cfg, err := parseSetArgs(strings.Split(input, "\n"), tr.resolver, fuzzOpen)
		wgAccepted(t, cfg, err)
	})
}

// wgAccepted fails the test unless a parser's err is nil or one of wg(8)'s
// messages, and unless the Config it accepted marshals to a UAPI request;
// it reports whether the parser accepted its input.
func wgAccepted(t *testing.T, cfg *ifwg.Config, err error) bool {
	t.Helper()
	if err != nil {
		var we wgError
		if !errors.As(err, &we) {
			t.Fatalf("error %v (%T) is not one of wg's messages", err, err)
		}
		return false
	}
	if _, err := ifwg.MarshalUAPISet(cfg); err != nil {
		t.Fatalf("accepted input does not marshal: %v", err)
	}
	return true
}
