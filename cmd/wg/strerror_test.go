// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

// TestStrerrorMatchesLibc compares strerror with the C library's own text,
// printed by perl's $! (which calls strerror(3)).
func TestStrerrorMatchesLibc(t *testing.T) {
	perl := testenv.RequireTool(t, "", "perl")
	errnos := []syscall.Errno{syscall.EPERM, syscall.ENOENT, syscall.ENXIO, syscall.EINVAL,
		syscall.ENOSPC, syscall.EADDRINUSE, syscall.EPROTONOSUPPORT, syscall.EBADMSG,
		syscall.EOPNOTSUPP, syscall.EPROTO, syscall.EIO, syscall.E2BIG, syscall.ENOTTY,
		syscall.EACCES, syscall.ECONNREFUSED, syscall.ENAMETOOLONG, syscall.Errno(55), syscall.Errno(4000)}
	var script strings.Builder
	for _, en := range errnos {
		fmt.Fprintf(&script, "$! = %d; print \"$!\\n\";", int(en))
	}
	out, err := exec.Command(perl, "-e", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	for i, en := range errnos {
		if got := strerror(fmt.Errorf("wrapped: %w", en)); got != want[i] {
			t.Errorf("strerror(%d) = %q, libc says %q", int(en), got, want[i])
		}
	}
}
