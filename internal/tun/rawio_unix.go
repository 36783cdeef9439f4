// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"errors"
	"io"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batchReader reads packets from a non-blocking tun descriptor through
// the Go poller. One call reads until the kernel has no packet left or
// the batch is full, so a busy tunnel costs one poller round trip per
// batch. It keeps its arguments in fields and its callback in a field
// bound once, so that a read allocates nothing. It serves one reader at a
// time.
//
// A tun hands over one packet per read and silently cuts a packet longer
// than the read's buffer. Every read therefore offers room for the
// largest packet the descriptor can deliver: the caller's buffer, then
// the reader's spill buffer behind it (readv). A packet that runs into
// the spill buffer does not fit its buffer; it is dropped whole, never
// passed on cut.
type batchReader struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool
	maxRead int
	spill   []byte
	iov     [2]unix.Iovec
	readState
}

// readState is one batch read in progress, as the readers keep it
// between the poller's calls of their callback: the caller's buffers,
// lengths and offset, the packets read so far and the error that ended
// the batch.
type readState struct {
	bufs  [][]byte
	sizes []int
	start int
	n     int
	err   error
}

// begin starts a batch read into bufs[i][start:] and sizes[i].
func (s *readState) begin(bufs [][]byte, sizes []int, start int) {
	s.bufs, s.sizes, s.start, s.n, s.err = bufs, sizes, start, 0, nil
}

// end finishes the batch read, whose poller call returned err, and
// forgets the caller's buffers. Packets already read are returned before
// any error; the error comes back on the next call.
func (s *readState) end(err error) (int, error) {
	n, rerr := s.n, s.err
	s.bufs, s.sizes = nil, nil
	switch {
	case n > 0:
		return n, nil
	case err != nil:
		return 0, err
	}
	return 0, rerr
}

// stop ends the read callback after a read system call that failed with
// err, or met end of file when err is nil, and returns the callback's
// result. A drained descriptor (EAGAIN) returns the packets read so far,
// or waits for the poller when there are none; anything else ends the
// batch with the error.
func (s *readState) stop(err error) bool {
	switch {
	case err == unix.EAGAIN:
		return s.n > 0
	case err == nil:
		err = io.EOF
	}
	s.err = err
	return true
}

// newBatchReader returns a reader for rc, whose reads never deliver more
// than maxRead bytes.
func newBatchReader(rc syscall.RawConn, maxRead int) *batchReader {
	r := &batchReader{rc: rc, maxRead: maxRead, spill: make([]byte, maxRead)}
	r.fn = r.readFD
	return r
}

// read reads packets into bufs[i][start:] and their lengths into
// sizes[i]. Packets already read are returned before any error; the error
// comes back on the next call.
func (r *batchReader) read(bufs [][]byte, sizes []int, start int) (int, error) {
	r.begin(bufs, sizes, start)
	err := r.rc.Read(r.fn)
	r.iov[0].Base = nil
	return r.end(err)
}

func (r *batchReader) readFD(fd uintptr) bool {
	for r.n < len(r.bufs) {
		buf := r.bufs[r.n][r.start:]
		if len(buf) == 0 {
			// A read of nothing would take a packet and free it,
			// and its 0 would pass for end of file.
			r.err = errNoRoom
			return true
		}
		n, err := r.readOne(int(fd), buf)
		switch {
		case err == unix.EINTR || err == nil && n > len(buf):
			continue // interrupted, or too large for its buffer: dropped
		case err != nil || n == 0:
			return r.stop(err)
		}
		r.sizes[r.n] = n
		r.n++
	}
	return true
}

// readOne reads one packet into buf, with the spill buffer behind it
// when buf is shorter than the largest packet.
func (r *batchReader) readOne(fd int, buf []byte) (int, error) {
	if len(buf) >= r.maxRead {
		return unix.Read(fd, buf)
	}
	r.iov[0].Base = &buf[0]
	r.iov[0].SetLen(len(buf))
	r.iov[1].Base = &r.spill[0]
	r.iov[1].SetLen(r.maxRead - len(buf))
	n, _, errno := unix.Syscall(unix.SYS_READV, uintptr(fd), uintptr(unsafe.Pointer(&r.iov[0])), uintptr(len(r.iov)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// batchWriter writes packets to a tun descriptor through the Go poller,
// the whole batch within one poller round trip. Like batchReader it
// allocates nothing per call; writers come from a pool so that Write is
// safe for concurrent use.
type batchWriter struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool
	prepare func(pkt []byte) error
	writeState
}

// writeState is one batch write in progress: the caller's buffers and
// offset, the next packet, the packets the kernel accepted and the first
// error.
type writeState struct {
	bufs  [][]byte
	start int
	i     int
	n     int
	err   error
}

// begin starts a batch write of every bufs[i][start:].
func (s *writeState) begin(bufs [][]byte, start int) {
	s.bufs, s.start, s.i, s.n, s.err = bufs, start, 0, 0, nil
}

// end finishes the batch write, whose poller call returned err, and
// forgets the caller's buffers. It returns the packets accepted and the
// poller's error, or else the first error of the batch.
func (s *writeState) end(err error) (int, error) {
	n, werr := s.n, s.err
	s.bufs = nil
	if err != nil {
		return n, err
	}
	return n, werr
}

// fail records the first error of the batch.
func (s *writeState) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// errNoRoom reports a read buffer with no room after the offset.
var errNoRoom = errors.New("tun: read buffer has no room after the offset")

// errEmptyPacket reports a buffer with nothing after the offset.
var errEmptyPacket = errors.New("tun: empty packet")

// writerPool hands out the writers of one descriptor, so that Write is
// safe for concurrent use and allocates nothing per call.
type writerPool struct {
	pool sync.Pool
}

// newPool returns a pool whose writers newWriter makes.
func newPool(newWriter func() packetWriter) *writerPool {
	p := &writerPool{}
	p.pool.New = func() any { return newWriter() }
	return p
}

func (p *writerPool) write(bufs [][]byte, start int) (int, error) {
	w := p.pool.Get().(packetWriter)
	n, err := w.write(bufs, start)
	p.pool.Put(w)
	return n, err
}

// newWriterPool returns a pool of batchWriters for rc. prepare, when not
// nil, is applied to each packet (from start on) before it is written; a
// packet it fails is skipped.
func newWriterPool(rc syscall.RawConn, prepare func(pkt []byte) error) *writerPool {
	return newPool(func() packetWriter {
		w := &batchWriter{rc: rc, prepare: prepare}
		w.fn = w.writeFD
		return w
	})
}

// write writes every bufs[i][start:] and returns the number of packets
// the kernel accepted and the first error. A rejected packet does not
// stop the others.
func (w *batchWriter) write(bufs [][]byte, start int) (int, error) {
	w.begin(bufs, start)
	return w.end(w.rc.Write(w.fn))
}

func (w *batchWriter) writeFD(fd uintptr) bool {
	for ; w.i < len(w.bufs); w.i++ {
		if len(w.bufs[w.i]) <= w.start {
			w.fail(errEmptyPacket)
			continue
		}
		pkt := w.bufs[w.i][w.start:]
		if w.prepare != nil {
			if err := w.prepare(pkt); err != nil {
				w.fail(err)
				continue
			}
		}
		_, err := unix.Write(int(fd), pkt)
		for err == unix.EINTR {
			_, err = unix.Write(int(fd), pkt)
		}
		switch {
		case err == unix.EAGAIN:
			return false
		case err != nil:
			w.fail(err)
		default:
			w.n++
		}
	}
	return true
}
