// SPDX-License-Identifier: BSD-2-Clause

package rcd

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/testenv"
)

// literalBlocks returns the .Bd -literal blocks of a manual page.
func literalBlocks(t *testing.T, page string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "man", page))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, ".Bd -literal"):
			in, cur = true, nil
		case l == ".Ed" && in:
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, l)
		}
	}
	return blocks
}

// exampleConfs returns the example configurations of wg.conf(5).
func exampleConfs(t *testing.T) []string {
	t.Helper()
	var confs []string
	for _, b := range literalBlocks(t, "wg.conf.5") {
		if strings.HasPrefix(b, "[Interface]\n") {
			confs = append(confs, b)
		}
	}
	if len(confs) != 2 {
		t.Fatalf("wg.conf.5 has %d example configurations, want the server's and the laptop's", len(confs))
	}
	return confs
}

var keyLine = regexp.MustCompile(`(?m)^(PrivateKey|PublicKey|PresharedKey) = (\S+)$`)

// TestManualExampleKeys checks that the two examples of wg.conf(5) are a
// working pair: valid keys, each side's peer key the other's public key,
// and the same preshared key on both sides.
func TestManualExampleKeys(t *testing.T) {
	confs := exampleConfs(t)
	keys := make([]map[string][]ifwg.Key, 2)
	for i, c := range confs {
		keys[i] = map[string][]ifwg.Key{}
		for _, m := range keyLine.FindAllStringSubmatch(c, -1) {
			k, err := ifwg.ParseKey(m[2])
			if err != nil {
				t.Fatalf("example %d: %s %q: %v", i+1, m[1], m[2], err)
			}
			keys[i][m[1]] = append(keys[i][m[1]], k)
		}
	}
	server, laptop := keys[0], keys[1]
	if !server["PublicKey"][0].Equal(laptop["PrivateKey"][0].PublicKey()) {
		t.Error("the server's first peer is not the laptop")
	}
	if !laptop["PublicKey"][0].Equal(server["PrivateKey"][0].PublicKey()) {
		t.Error("the laptop's peer is not the server")
	}
	if !server["PresharedKey"][0].Equal(laptop["PresharedKey"][0]) {
		t.Error("the preshared keys differ")
	}
}

// wgKeys are the keys wg(8) accepts in a configuration file.
var wgKeys = []string{"privatekey", "listenport", "fwmark", "publickey",
	"presharedkey", "allowedips", "endpoint", "persistentkeepalive"}

// TestManualExamplesStrip checks that the script reads the examples of
// wg.conf(5) as wg-quick does, leaving wg(8) only keys it knows.
func TestManualExamplesStrip(t *testing.T) {
	wgquick := testenv.RequireTool(t, "", "wg-quick")
	testenv.RequireRoot(t)
	h := newHarness(t)
	for i, c := range exampleConfs(t) {
		p := filepath.Join(t.TempDir(), "wg0.conf")
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
		want, err := exec.Command(wgquick, "strip", p).Output()
		if err != nil {
			t.Fatalf("wg-quick strip, example %d: %v", i+1, err)
		}
		got, ok := h.strip(p)
		if !ok || got != string(want) {
			t.Fatalf("example %d: the script printed\n%s\nwg-quick\n%s", i+1, got, want)
		}
		for _, l := range strings.Split(got, "\n") {
			l = strings.TrimSpace(strings.SplitN(l, "#", 2)[0])
			if l == "" || l == "[Interface]" || l == "[Peer]" {
				continue
			}
			k := strings.ToLower(strings.TrimSpace(strings.SplitN(l, "=", 2)[0]))
			if !slices.Contains(wgKeys, k) {
				t.Errorf("example %d: wg(8) would reject %q", i+1, l)
			}
		}
	}
}

var (
	headerVar = regexp.MustCompile(`(?m)^# (wireguard_[a-z]+) \((bool|str|path)\):`)
	manVar    = regexp.MustCompile(`(?m)^\.It Va (wireguard_[a-z]+)\n\.Pq Vt (bool|str|path)$`)
	defVar    = regexp.MustCompile(`(?m)^: "\$\{(wireguard_[a-z]+):?=`)
)

// TestDocumentedVariables checks that the rc.conf variables of the
// script's header, its defaults and wireguard(8) agree, types included.
func TestDocumentedVariables(t *testing.T) {
	script, err := os.ReadFile("wireguard.in")
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join("..", "man", "wireguard.8"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := func(re *regexp.Regexp, text []byte) []string {
		var out []string
		for _, m := range re.FindAllSubmatch(text, -1) {
			out = append(out, string(m[1])+" "+string(m[2]))
		}
		slices.Sort(out)
		return out
	}
	header := pairs(headerVar, script)
	if len(header) != 4 {
		t.Fatalf("header documents %v", header)
	}
	expect(t, "wireguard(8) against the script's header", pairs(manVar, page), header)
	var defaults []string
	for _, m := range defVar.FindAllSubmatch(script, -1) {
		defaults = append(defaults, string(m[1]))
	}
	slices.Sort(defaults)
	var names []string
	for _, h := range header {
		names = append(names, strings.Fields(h)[0])
	}
	expect(t, "defaults against the header", defaults, names)
}
