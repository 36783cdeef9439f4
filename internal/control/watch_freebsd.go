// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// watchRemoval calls gone once, from its own goroutine, when path stops
// naming the socket own describes. A socket cannot be opened, so kqueue
// watches its directory (EVFILT_VNODE: an entry removed or renamed is a
// NOTE_WRITE) and each event is checked against the path, as
// wireguard-go's uapi_bsd.go does. An EVFILT_USER event wakes the watch
// to stop it; stop returns once it has ended.
func watchRemoval(path string, own os.FileInfo, gone func()) (stop func(), err error) {
	kq, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	dir, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(kq)
		return nil, os.NewSyscallError("open", err)
	}
	if err := kqueueArm(kq, dir); err != nil {
		unix.Close(dir)
		unix.Close(kq)
		return nil, err
	}
	done := make(chan struct{})
	go kqueueWatch(kq, path, own, gone, done)
	var once sync.Once
	return func() {
		once.Do(func() {
			var ev [1]unix.Kevent_t
			unix.SetKevent(&ev[0], 0, unix.EVFILT_USER, 0)
			ev[0].Fflags = unix.NOTE_TRIGGER
			unix.Kevent(kq, ev[:], nil, nil)
			<-done
			unix.Close(dir)
			unix.Close(kq)
		})
	}, nil
}

// kqueueArm registers the directory watch and the stop event.
func kqueueArm(kq, dir int) error {
	var ev [2]unix.Kevent_t
	unix.SetKevent(&ev[0], dir, unix.EVFILT_VNODE, unix.EV_ADD|unix.EV_CLEAR)
	ev[0].Fflags = unix.NOTE_WRITE | unix.NOTE_DELETE | unix.NOTE_RENAME | unix.NOTE_REVOKE
	unix.SetKevent(&ev[1], 0, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	if _, err := unix.Kevent(kq, ev[:], nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

// kqueueWatch checks the path after every event until it is gone or the
// stop event arrives. The descriptors are stop's to close, so that none
// is reused while stop may still use it.
func kqueueWatch(kq int, path string, own os.FileInfo, gone func(), done chan<- struct{}) {
	defer close(done)
	var events [4]unix.Kevent_t
	for {
		if socketGone(path, own) {
			gone()
			return
		}
		n, err := unix.Kevent(kq, nil, events[:], nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			if ev.Filter == unix.EVFILT_USER {
				return
			}
		}
	}
}
