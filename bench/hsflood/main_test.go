// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line string
		want float64
		ok   bool
	}{
		// A line of Linux 6.18's /proc/PID/stat, its command name holding
		// a space and a parenthesis: utime 1234, stime 567 ticks.
		{"4242 (wg) go) S 1 4242 4242 0 -1 4194560 1523 0 0 0 1234 567 0 0 20 0 9 0 100 1000000 500 18446744073709551615\n", 18.01, true},
		{"4242 (wgd) R 1 4242", 0, false},
		{"4242 wgd R", 0, false},
		{"4242 (wgd) S 1 4242 4242 0 -1 4194560 1523 0 0 0 x 567 0", 0, false},
	} {
		got, err := parseStat(c.line)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseStat(%q) = %v, %v; want %v, ok %v", c.line, got, err, c.want, c.ok)
		}
	}
}

// TestCPUSecondsSelf reads this process's own line, which the kernel
// writes in the layout parseStat expects.
func TestCPUSecondsSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc/self/stat:", err)
	}
	if _, err := cpuSeconds(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}

// TestKeysDerive checks that a key depends on the seed and its label
// alone, so that the configuration and the flood, run as two processes,
// agree on the keys.
func TestKeysDerive(t *testing.T) {
	a, b := peerKey("s", 1), peerKey("s", 2)
	if a == b || peerKey("s", 1) != a || peerKey("t", 1) == a || daemonKey("s") == a {
		t.Fatal("keys do not derive from seed and label alone")
	}
}
