// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchSize is the number of datagrams one recvmmsg or sendmmsg moves at
// most.
const batchSize = IdealBatchSize

// mmsgIO moves datagrams with recvmmsg(2) and sendmmsg(2) through the Go
// poller: the system call runs non-blocking, and the poller waits when it
// would block.
type mmsgIO struct {
	recv *mmsgReceiver
	senderPool[*mmsgSender]
	gso atomic.Bool // UDP_SEGMENT works on this socket
}

// newSocketIO returns an mmsgIO, or with offloads off FreeBSD's loopIO
// (batch_loop_unix.go).
func newSocketIO(_ *net.UDPConn, rc syscall.RawConn) (socketIO, error) {
	if offloadsOff.Load() {
		return newLoopIO(rc, linuxSockaddr), nil
	}
	m := &mmsgIO{recv: newMmsgReceiver(rc)}
	m.pool.New = func() any { return newMmsgSender(rc, &m.gso) }
	// Kernels before 4.18 have no UDP_SEGMENT.
	rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_SEGMENT)
		m.gso.Store(err == nil)
	})
	return m, nil
}

// offloadsOff is set by SetOffloads(false).
var offloadsOff atomic.Bool

// SetOffloads turns the batching and offloads of Binds opened from now on
// on (the default) or off. Off, a socket runs FreeBSD's code (loopIO):
// one recvmsg or sendto per datagram, no UDP_SEGMENT or UDP_GRO, so that
// the FreeBSD path's cost can be measured on Linux.
func SetOffloads(on bool) { offloadsOff.Store(!on) }

func (m *mmsgIO) batchSize() int { return batchSize }

func (m *mmsgIO) receive(bufs [][]byte, sizes, segs []int, eps []Endpoint) (int, error) {
	return m.recv.receive(bufs, sizes, segs, eps)
}

// coalesce turns on UDP_GRO (Linux 5.0): the
// kernel then hands over a run of datagrams from one sender, such as one
// sent with UDP_SEGMENT, as one message, with the datagram size in a
// control message. Without it the kernel cuts such a run into datagrams
// itself, one buffer each.
func (m *mmsgIO) coalesce() {
	m.recv.rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1) == nil {
			m.recv.gro.Store(true)
		}
	})
}

// mmsgReceiver holds the message headers of one socket's receive calls.
// Its arguments and results live in fields, and its poller callback is
// bound once, so that a receive allocates nothing.
type mmsgReceiver struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool
	msgs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []sockaddr
	count int // messages offered to the kernel
	n     int // messages received
	err   error
	// gro is set once UDP_GRO is on; ctrl then holds one control
	// message buffer per message.
	gro  atomic.Bool
	ctrl []byte
}

// groMessages is how many messages a read takes at most once UDP_GRO is
// on. A coalesced message can fill a whole 64 KiB buffer, and a read that
// drains a long socket queue into 128 of them makes 8 MiB resident at
// once; 16 messages still carry up to a thousand datagrams.
const groMessages = 16

// groCmsgSpace is the room for the UDP_GRO control message, an int.
var groCmsgSpace = unix.CmsgSpace(4)

func newMmsgReceiver(rc syscall.RawConn) *mmsgReceiver {
	r := &mmsgReceiver{
		rc:    rc,
		msgs:  make([]unix.Mmsghdr, batchSize),
		iovs:  make([]unix.Iovec, batchSize),
		names: make([]sockaddr, batchSize),
		ctrl:  make([]byte, batchSize*groCmsgSpace),
	}
	for i := range r.msgs {
		r.msgs[i].Hdr.Iov = &r.iovs[i]
		r.msgs[i].Hdr.SetIovlen(1)
		r.msgs[i].Hdr.Name = &r.names[i][0]
	}
	r.fn = r.recvFD
	return r
}

func (r *mmsgReceiver) receive(bufs [][]byte, sizes, segs []int, eps []Endpoint) (int, error) {
	r.count, r.n, r.err = min(len(bufs), len(r.msgs)), 0, nil
	gro := segs != nil && r.gro.Load()
	if gro {
		r.count = min(r.count, groMessages)
	}
	for i := range r.count {
		r.iovs[i].Base = &bufs[i][0]
		r.iovs[i].SetLen(len(bufs[i]))
		h := &r.msgs[i].Hdr
		h.Namelen = sockaddrSize
		h.Flags = 0
		h.Control = nil
		h.SetControllen(0)
		if gro {
			h.Control = &r.ctrl[i*groCmsgSpace]
			h.SetControllen(groCmsgSpace)
		}
	}
	err := r.rc.Read(r.fn)
	for i := range r.count {
		r.iovs[i].Base = nil // keep no reference to the caller's buffers
	}
	if err == nil {
		err = r.err
	}
	if err != nil {
		return 0, err
	}
	for i := range r.n {
		sizes[i] = int(r.msgs[i].Len)
		if r.msgs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
			sizes[i] = 0
		}
		eps[i] = Endpoint{Dst: linuxSockaddr.parse(&r.names[i])}
		if segs != nil {
			segs[i] = 0
			if gro {
				segs[i] = groSegment(r.ctrl[i*groCmsgSpace:][:r.msgs[i].Hdr.Controllen])
			}
		}
	}
	return r.n, nil
}

// groSegment returns the datagram size from the UDP_GRO control message
// in ctrl, the control data the kernel returned for one message, or 0
// when there is none.
func groSegment(ctrl []byte) int {
	for len(ctrl) >= unix.CmsgLen(0) {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctrl[0]))
		n := int(h.Len) // uint64 or uint32, by ABI
		if n < unix.CmsgLen(0) || n > len(ctrl) {
			return 0
		}
		if h.Level == unix.SOL_UDP && h.Type == unix.UDP_GRO && n >= unix.CmsgLen(4) {
			return int(binary.NativeEndian.Uint32(ctrl[unix.CmsgLen(0):]))
		}
		next := unix.CmsgSpace(n - unix.CmsgLen(0))
		if next > len(ctrl) {
			return 0
		}
		ctrl = ctrl[next:]
	}
	return 0
}

// The receive and send calls below are raw system calls: on a
// non-blocking socket they return at once, with EAGAIN when they would
// block, so telling the scheduler (entersyscall, exitsyscall, and sysmon
// taking the P away from a call it thinks blocked) costs more than the
// call. The same holds for the tun reads and writes (offload_linux.go).
func (r *mmsgReceiver) recvFD(fd uintptr) bool {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.msgs[0])), uintptr(r.count), 0, 0, 0)
		switch errno {
		case 0:
			r.n = int(n)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			r.err = errno
			return true
		}
	}
}

// UDP generic segmentation offload (UDP_SEGMENT): one message carries a
// run of equal-sized datagrams, whose buffers it gathers with one iovec
// each, and the kernel (or the NIC) cuts it back into datagrams after a
// single pass through the stack. A run may end with one shorter
// datagram.
const (
	gsoMaxSegments = 64             // UDP_MAX_SEGMENTS of older kernels
	gsoMaxBytes    = 65535 - 40 - 8 // one IPv6 packet's payload
	gsoCmsgData    = 2              // the segment size, a uint16
)

var gsoCmsgSpace = unix.CmsgSpace(gsoCmsgData)

// mmsgSender holds the message headers of one send call; senders are
// pooled so that concurrent sends neither share nor allocate them. Every
// message of a batch points at the same destination address.
type mmsgSender struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool
	gso   *atomic.Bool
	msgs  []unix.Mmsghdr
	iovs  []unix.Iovec
	ctrl  []byte // one UDP_SEGMENT control message per message
	segs  []int  // datagrams in each message
	name  sockaddr
	count int // messages in this round
	done  int // messages the kernel has taken or refused
	err   error
	// gsoErr is set when the kernel refused a segmented message; the
	// round stops there and the rest goes out unsegmented.
	gsoErr syscall.Errno
}

func newMmsgSender(rc syscall.RawConn, gso *atomic.Bool) *mmsgSender {
	s := &mmsgSender{
		rc:   rc,
		gso:  gso,
		msgs: make([]unix.Mmsghdr, batchSize),
		iovs: make([]unix.Iovec, batchSize),
		ctrl: make([]byte, batchSize*gsoCmsgSpace),
		segs: make([]int, batchSize),
	}
	for i := range s.msgs {
		s.msgs[i].Hdr.Name = &s.name[0]
		h := (*unix.Cmsghdr)(unsafe.Pointer(&s.ctrl[i*gsoCmsgSpace]))
		h.Level, h.Type = unix.SOL_UDP, unix.UDP_SEGMENT
		h.SetLen(unix.CmsgLen(gsoCmsgData))
	}
	s.fn = s.sendFD
	return s
}

func (s *mmsgSender) send(bufs [][]byte, dst netip.AddrPort) error {
	namelen := linuxSockaddr.put(&s.name, dst)
	s.err = nil
	gso := s.gso.Load()
	for len(bufs) > 0 {
		taken := s.build(bufs, namelen, gso)
		s.done, s.gsoErr = 0, 0
		err := s.rc.Write(s.fn)
		for i := range taken {
			s.iovs[i].Base = nil // keep no reference to the caller's buffers
		}
		if err != nil {
			return err
		}
		if s.gsoErr != 0 {
			// Send the rest unsegmented. EIO means the device
			// cannot checksum segments, for good; anything else
			// is about these datagrams (say, larger than the
			// MTU), which the unsegmented path reports.
			gso = false
			if s.gsoErr == unix.EIO {
				s.gso.Store(false)
			}
			taken = 0
			for _, n := range s.segs[:s.done] {
				taken += n
			}
		}
		bufs = bufs[taken:]
	}
	return s.err
}

// build fills the messages of one round from the start of bufs and
// returns how many datagrams they hold.
func (s *mmsgSender) build(bufs [][]byte, namelen uint32, gso bool) int {
	k := 0
	for s.count = 0; s.count < len(s.msgs) && k < min(len(bufs), len(s.iovs)); s.count++ {
		first := k
		k = s.run(bufs, k, gso)
		for i := first; i < k; i++ {
			s.iovs[i].Base = nil
			if len(bufs[i]) > 0 {
				s.iovs[i].Base = &bufs[i][0]
			}
			s.iovs[i].SetLen(len(bufs[i]))
		}
		h := &s.msgs[s.count].Hdr
		h.Iov, h.Namelen = &s.iovs[first], namelen
		h.SetIovlen(k - first)
		h.Control = nil
		h.SetControllen(0)
		if k-first > 1 {
			c := s.ctrl[s.count*gsoCmsgSpace:]
			binary.NativeEndian.PutUint16(c[unix.CmsgLen(0):], uint16(len(bufs[first])))
			h.Control = &c[0]
			h.SetControllen(gsoCmsgSpace)
		}
		s.segs[s.count] = k - first
	}
	return k
}

// run returns the end of the run of datagrams that can share one
// segmented message with bufs[first].
func (s *mmsgSender) run(bufs [][]byte, first int, gso bool) int {
	size := len(bufs[first])
	k, total := first+1, size
	if !gso || size == 0 {
		return k
	}
	for k < len(bufs) && k < len(s.iovs) && k-first < gsoMaxSegments {
		n := len(bufs[k])
		if n == 0 || n > size || total+n > gsoMaxBytes {
			break
		}
		total += n
		k++
		if n < size {
			break
		}
	}
	return k
}

// sendFD sends the round's messages. A message the kernel refuses is
// skipped and the first refusal kept as the error, except a refused
// segmented message, which ends the round so that its datagrams are sent
// again without segmentation.
func (s *mmsgSender) sendFD(fd uintptr) bool {
	for s.done < s.count {
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&s.msgs[s.done])), uintptr(s.count-s.done), 0, 0, 0)
		switch {
		case errno == 0:
			s.done += int(n)
		case errno == unix.EINTR:
		case errno == unix.EAGAIN:
			return false
		case s.segs[s.done] > 1:
			s.gsoErr = errno
			return true
		default:
			if s.err == nil {
				s.err = errno
			}
			s.done++
		}
	}
	return true
}

// socketBuffer is the send and receive buffer size asked for.
const socketBuffer = 7 << 20

// setSockopts sets the socket buffers, with the *BUFFORCE options, which
// ignore net.core.[rw]mem_max but need CAP_NET_ADMIN, and the plain ones
// as a fallback; and the mark, when one is set.
func setSockopts(fd uintptr, mark uint32, markSet bool) error {
	for _, opt := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt[0], socketBuffer) != nil {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt[1], socketBuffer)
		}
	}
	if markSet {
		return setMark(fd, mark)
	}
	return nil
}

// setMark sets SO_MARK, which needs CAP_NET_ADMIN.
func setMark(fd uintptr, mark uint32) error {
	return unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
}
