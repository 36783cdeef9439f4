// SPDX-License-Identifier: BSD-2-Clause

package enum

import "testing"

type color int

type code uint8

func TestName(t *testing.T) {
	colors := []string{1: "red", 3: "blue"}
	for _, c := range []struct {
		v    color
		want string
	}{
		{1, "red"},
		{3, "blue"},
		{0, "color(0)"}, // an entry left empty
		{2, "color(2)"},
		{4, "color(4)"}, // past the table
		{-1, "color(-1)"},
	} {
		if got := Name(colors, c.v, "color(%d)"); got != c.want {
			t.Errorf("Name(%d) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := Name([]string{"zero"}, code(255), "code %d"); got != "code 255" {
		t.Errorf("Name(255) = %q, want %q", got, "code 255")
	}
}
