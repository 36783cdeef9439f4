// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"os"

	"golang.org/x/sys/unix"
)

// watchRemoval calls gone once, from its own goroutine, when path stops
// naming the socket own describes. inotify watches the socket's inode:
// unlinking it changes its link count (IN_ATTRIB), renaming it is
// IN_MOVE_SELF; each event is checked against the path. stop ends the
// watch and returns once it has ended.
func watchRemoval(path string, own os.FileInfo, gone func()) (stop func(), err error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	const mask = unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_DONT_FOLLOW
	if _, err := unix.InotifyAddWatch(fd, path, mask); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("inotify_add_watch", err)
	}
	// A non-blocking descriptor joins the runtime's poller, so Close
	// wakes a pending Read.
	f := os.NewFile(uintptr(fd), "inotify")
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [4096]byte
		for {
			// Checked after the watch is armed, so that no removal
			// goes unseen.
			if socketGone(path, own) {
				gone()
				return
			}
			if _, err := f.Read(buf[:]); err != nil {
				return
			}
		}
	}()
	return func() {
		f.Close()
		<-done
	}, nil
}
