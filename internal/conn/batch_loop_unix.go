// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package conn

import (
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loopBatchSize is the most datagrams one receive of a loopIO moves.
// FreeBSD has no recvmmsg or sendmmsg system call (libc loops over
// recvmsg and sendmsg), so a batch is a loop of recvmsg(2) or sendto(2)
// calls that saves poller round trips and wake-ups, not system calls;
// beyond a few dozen datagrams there is little left to save.
const loopBatchSize = 32

// loopIO moves datagrams with one recvmsg or sendto per datagram, as
// many as the kernel takes within one poller round trip. It is FreeBSD's
// socketIO, and Linux's with offloads off, so that FreeBSD's UDP path
// runs, and is measured, on Linux.
type loopIO struct {
	recv *loopReceiver
	senderPool[*loopSender]
}

// newLoopIO returns a loopIO for rc, whose socket addresses are laid out
// as sa says.
func newLoopIO(rc syscall.RawConn, sa sockaddrLayout) *loopIO {
	l := &loopIO{recv: newLoopReceiver(rc, sa)}
	l.pool.New = func() any { return newLoopSender(rc, sa) }
	return l
}

func (l *loopIO) receive(bufs [][]byte, sizes, segs []int, eps []Endpoint) (int, error) {
	n, err := l.recv.receive(bufs, sizes, eps)
	if segs != nil {
		clear(segs[:n])
	}
	return n, err
}

// coalesce does nothing: datagrams arrive one per recvmsg.
func (l *loopIO) coalesce() {}

func (l *loopIO) batchSize() int { return loopBatchSize }

// loopReceiver holds one socket's receive state. Its arguments and
// results live in fields, and its poller callback is bound once, so that
// a receive allocates nothing. It uses recvmsg(2) rather than recvfrom(2)
// to learn when a datagram did not fit its buffer (MSG_TRUNC).
type loopReceiver struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool
	sa    sockaddrLayout
	msg   unix.Msghdr
	iov   unix.Iovec
	names []sockaddr
	bufs  [][]byte
	sizes []int
	n     int
	err   error
}

func newLoopReceiver(rc syscall.RawConn, sa sockaddrLayout) *loopReceiver {
	r := &loopReceiver{rc: rc, sa: sa, names: make([]sockaddr, loopBatchSize)}
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	r.fn = r.recvFD
	return r
}

func (r *loopReceiver) receive(bufs [][]byte, sizes []int, eps []Endpoint) (int, error) {
	r.bufs, r.sizes, r.n, r.err = bufs[:min(len(bufs), len(r.names))], sizes, 0, nil
	err := r.rc.Read(r.fn)
	r.bufs, r.sizes, r.iov.Base = nil, nil, nil
	for i := range r.n {
		eps[i] = Endpoint{Dst: r.sa.parse(&r.names[i])}
	}
	switch {
	case r.n > 0:
		// The datagrams come first and the error is dropped: the
		// failing recvmsg consumed it, and the next call starts
		// afresh. A lasting fault (a closed socket) fails that call
		// again; a passing one is gone.
		return r.n, nil
	case err != nil:
		return 0, err
	}
	return 0, r.err
}

// recvFD receives until the socket is empty or the batch is full. Only an
// empty socket with nothing received yet makes the poller wait. The calls
// are raw: the socket is non-blocking, so they never block, and telling
// the scheduler about them would cost more than they do.
func (r *loopReceiver) recvFD(fd uintptr) bool {
	for r.n < len(r.bufs) {
		b := r.bufs[r.n]
		r.iov.Base = &b[0]
		r.iov.SetLen(len(b))
		r.msg.Name, r.msg.Namelen, r.msg.Flags = &r.names[r.n][0], sockaddrSize, 0
		n, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), 0)
		switch errno {
		case 0:
			r.sizes[r.n] = int(n)
			if r.msg.Flags&unix.MSG_TRUNC != 0 {
				r.sizes[r.n] = 0
			}
			r.n++
		case unix.EINTR:
		case unix.EAGAIN:
			return r.n > 0
		default:
			r.err = errno
			return true
		}
	}
	return true
}

// loopSender holds the state of one send call; senders are pooled so that
// concurrent sends neither share nor allocate them.
type loopSender struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool
	sa      sockaddrLayout
	bufs    [][]byte
	name    sockaddr
	namelen uint32
	next    int
	err     error
}

func newLoopSender(rc syscall.RawConn, sa sockaddrLayout) *loopSender {
	s := &loopSender{rc: rc, sa: sa}
	s.fn = s.sendFD
	return s
}

func (s *loopSender) send(bufs [][]byte, dst netip.AddrPort) error {
	s.namelen = s.sa.put(&s.name, dst)
	s.bufs, s.next, s.err = bufs, 0, nil
	err := s.rc.Write(s.fn)
	s.bufs = nil
	if err != nil {
		return err
	}
	return s.err
}

// sendFD sends the remaining datagrams. A full socket buffer makes the
// poller wait; a datagram the kernel refuses is skipped, and the first
// refusal kept as the error.
func (s *loopSender) sendFD(fd uintptr) bool {
	for ; s.next < len(s.bufs); s.next++ {
		b := s.bufs[s.next]
		var p unsafe.Pointer
		if len(b) > 0 {
			p = unsafe.Pointer(&b[0])
		}
		for {
			_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(p), uintptr(len(b)), 0,
				uintptr(unsafe.Pointer(&s.name[0])), uintptr(s.namelen))
			if errno == unix.EINTR {
				continue
			}
			if errno == unix.EAGAIN {
				return false
			}
			if errno != 0 && s.err == nil {
				s.err = errno
			}
			break
		}
	}
	return true
}
