// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// marks returns SO_MARK of each open socket.
func marks(t *testing.T, b Bind) []int {
	t.Helper()
	sb := b.(*stdBind)
	var got []int
	for _, s := range []*socket{sb.v4, sb.v6} {
		if s == nil {
			continue
		}
		var mark int
		var err error
		if cerr := s.rc.Control(func(fd uintptr) { mark, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK) }); cerr != nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, mark)
	}
	return got
}

func TestSetMark(t *testing.T) {
	testenv.RequireRoot(t)
	b, _ := openBind(t, 0)
	if err := b.SetMark(0x2a); err != nil {
		t.Fatal(err)
	}
	for _, m := range marks(t, b) {
		if m != 0x2a {
			t.Fatalf("SO_MARK = %#x, want 0x2a", m)
		}
	}
	// The mark survives a reopen.
	b.Close()
	if _, err := b.Open(0); err != nil {
		t.Fatal(err)
	}
	for _, m := range marks(t, b) {
		if m != 0x2a {
			t.Fatalf("SO_MARK after reopen = %#x", m)
		}
	}
	if err := b.SetMark(0); err != nil {
		t.Fatal(err)
	}
	for _, m := range marks(t, b) {
		if m != 0 {
			t.Fatalf("SO_MARK after clearing = %#x", m)
		}
	}
}
