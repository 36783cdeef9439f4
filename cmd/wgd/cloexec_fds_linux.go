// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"os"
	"strconv"
)

// openFDs lists this process's open descriptors from /proc/self/fd (the
// descriptor reading the directory included).
func openFDs() ([]int, error) {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	fds := make([]int, 0, len(entries))
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			fds = append(fds, fd)
		}
	}
	return fds, nil
}
