// SPDX-License-Identifier: BSD-2-Clause

//go:build linux || freebsd

package tun

import (
	"bytes"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestBatchReaderNeverCuts reads packets into buffers smaller than some
// of them, as after an MTU increase, when the engine still holds buffers
// sized for the old MTU. tun(4) cuts such a packet silently: tunread in
// sys/net/if_tuntap.c copies what fits and frees the rest,
//
//	while (m && uio->uio_resid > 0 && error == 0) {
//		len = min(uio->uio_resid, m->m_len);
//	...
//	if (m) {
//		TUNDEBUG(ifp, "Dropping mbuf\n");
//		m_freem(m);
//
// A datagram socket does the same with a short read, so it stands in
// for the tun here. The reader must size each read for the largest
// packet, so that it sees a packet's whole length, and drop a packet that
// does not fit its buffer rather than pass it on cut.
func TestBatchReaderNeverCuts(t *testing.T) {
	rc, fds := dgramPair(t)
	const start, bufSize = 4, 2048
	pkt := func(n int) []byte { return bytes.Repeat([]byte{byte(n)}, n) }
	sent := [][]byte{pkt(100), pkt(3000), pkt(bufSize - start), pkt(bufSize - start + 1), pkt(9000), pkt(200)}
	for _, p := range sent {
		if _, err := unix.Write(fds[1], p); err != nil {
			t.Fatal(err)
		}
	}
	r := newBatchReader(rc, 65535)
	bufs := make([][]byte, 8)
	for i := range bufs {
		bufs[i] = make([]byte, bufSize)
	}
	sizes := make([]int, len(bufs))
	n, err := r.read(bufs, sizes, start)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{sent[0], sent[2], sent[5]}
	if n != len(want) {
		t.Fatalf("read %d packets (sizes %v), want %d: the ones that fit, whole", n, sizes[:n], len(want))
	}
	for i := range n {
		if got := bufs[i][start : start+sizes[i]]; !bytes.Equal(got, want[i]) {
			t.Errorf("packet %d: %d bytes, want %d", i, sizes[i], len(want[i]))
		}
	}
}

// TestBatchReaderEmptyBuffer gives the reader a buffer with no room after
// the offset. A read of zero bytes would still take a packet from a tun
// and free it (tunread: m_freem of what did not fit), and its 0 would
// pass for end of file, which stops the device. The reader must refuse
// that buffer with an error other than io.EOF, after returning the
// packets read before it, and leave the packet queued.
func TestBatchReaderEmptyBuffer(t *testing.T) {
	rc, fds := dgramPair(t)
	for _, p := range [][]byte{bytes.Repeat([]byte{1}, 100), bytes.Repeat([]byte{2}, 200)} {
		if _, err := unix.Write(fds[1], p); err != nil {
			t.Fatal(err)
		}
	}
	const start = 4
	r := newBatchReader(rc, 65535)
	bufs := [][]byte{make([]byte, 2048), make([]byte, start)}
	sizes := make([]int, len(bufs))
	if n, err := r.read(bufs, sizes, start); n != 1 || err != nil || sizes[0] != 100 {
		t.Fatalf("first read: %d packets (sizes %v), %v; want the 100-byte one", n, sizes, err)
	}
	n, err := r.read(bufs[1:], sizes, start)
	if n != 0 || err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("read into an empty buffer: %d, %v; want an error that is not EOF", n, err)
	}
	left := make([]byte, 512)
	if m, err := unix.Read(fds[0], left); err != nil || m != 200 {
		t.Errorf("queued packet: %d bytes, %v; want the 200-byte one, untouched", m, err)
	}
}

// dgramPair returns a datagram socket pair, non-blocking, that stands in
// for a tun: the raw connection of its first end, and both descriptors.
func dgramPair(t *testing.T) (syscall.RawConn, [2]int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	f := os.NewFile(uintptr(fds[0]), "dgram")
	t.Cleanup(func() { f.Close() })
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return rc, [2]int(fds)
}
