// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux tun offloads. With IFF_VNET_HDR every packet crossing the
// descriptor is preceded by a struct virtio_net_hdr, and TUNSETOFFLOAD
// lets the kernel hand over TCP segments of up to 64 KiB (TSO) with a
// partial checksum instead of cutting and checksumming them itself. Reads
// cut such a segment into MTU-sized packets, which costs one system call
// per segment instead of one per packet. Writes go the other way: runs
// of consecutive in-order TCP packets of one flow are written as one
// segment (GRO), which the kernel's TCP stack then processes once. Both
// ends of a tunnel gain from this, whatever the other end runs, since the
// packets on the wire are unchanged.

// virtio_net_hdr, in host byte order (tun's default on little-endian
// hosts, and the legacy layout on big-endian ones).
const (
	vnetHdrLen        = 10
	vnetFlagNeedsCsum = 1
	vnetGSONone       = 0
	vnetGSOTCPv4      = 1
	vnetGSOTCPv6      = 4
	vnetGSOECN        = 0x80
)

// TUNSETOFFLOAD flags.
const (
	tunFCsum = 0x01
	tunFTSO4 = 0x02
	tunFTSO6 = 0x04
)

// Packet header fields the offloads read and write.
const (
	ipv4HdrLen   = 20
	ipv6HdrLen   = 40
	tcpHdrLen    = 20
	protoTCP     = 6
	tcpFlagFIN   = 0x01
	tcpFlagPSH   = 0x08
	tcpFlagACK   = 0x10
	tcpFlagCWR   = 0x80
	tcpCsumField = 16
	// maxSegment is the largest packet a read returns: an IPv6 jumbo
	// is never produced, so 64 KiB of payload plus headers suffice.
	maxSegment = 1<<16 + ipv6HdrLen
)

// vnetHdr is a decoded virtio_net_hdr.
type vnetHdr struct {
	flags      uint8
	gsoType    uint8
	hdrLen     uint16
	gsoSize    uint16
	csumStart  uint16
	csumOffset uint16
}

func (h *vnetHdr) decode(b []byte) {
	h.flags, h.gsoType = b[0], b[1]
	h.hdrLen = binary.NativeEndian.Uint16(b[2:])
	h.gsoSize = binary.NativeEndian.Uint16(b[4:])
	h.csumStart = binary.NativeEndian.Uint16(b[6:])
	h.csumOffset = binary.NativeEndian.Uint16(b[8:])
}

func (h *vnetHdr) encode(b []byte) {
	b[0], b[1] = h.flags, h.gsoType
	binary.NativeEndian.PutUint16(b[2:], h.hdrLen)
	binary.NativeEndian.PutUint16(b[4:], h.gsoSize)
	binary.NativeEndian.PutUint16(b[6:], h.csumStart)
	binary.NativeEndian.PutUint16(b[8:], h.csumOffset)
}

// offloadsOff is set by SetOffloads(false).
var offloadsOff atomic.Bool

// SetOffloads turns the tun offloads of devices created from now on on
// (the default) or off. Off, a read returns one packet and a write
// writes one, as FreeBSD's tun does, so that its cost per packet can be
// measured on Linux.
func SetOffloads(on bool) { offloadsOff.Store(!on) }

// enableOffloads asks the kernel for TCP segmentation offload with
// partial checksums. A kernel that refuses leaves the descriptor with
// plain packets behind the header, which works as well, only slower.
// With offloads turned off it asks for nothing.
func enableOffloads(fd int) error {
	if offloadsOff.Load() {
		return nil
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.TUNSETOFFLOAD, tunFCsum|tunFTSO4|tunFTSO6)
	if errno != 0 {
		return errno
	}
	return nil
}

// pseudoSum returns the unfolded sum of the TCP pseudo-header of pkt, an
// IPv4 or IPv6 packet, for a TCP length of tcpLen.
func pseudoSum(pkt []byte, tcpLen int) uint64 {
	var addrs []byte
	if pkt[0]>>4 == 4 {
		addrs = pkt[12:20]
	} else {
		addrs = pkt[8:40]
	}
	return uint64(checksum(addrs, 0)) + protoTCP + uint64(tcpLen)
}

// ipv4Checksum recomputes the header checksum of an IPv4 packet.
func ipv4Checksum(pkt []byte, hl int) {
	pkt[10], pkt[11] = 0, 0
	binary.BigEndian.PutUint16(pkt[10:], ^checksum(pkt[:hl], 0))
}

// vnetReader reads from a descriptor in IFF_VNET_HDR mode. A packet goes
// straight into the caller's buffer; the part of a TSO segment that does
// not fit there spills into scratch, where the segment is reassembled and
// then cut into the caller's buffers, across calls if need be.
type vnetReader struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool
	hdr     [vnetHdrLen]byte
	iov     [3]unix.Iovec
	scratch []byte

	// The TSO segment being cut: pend is the whole packet in scratch,
	// pendHL its IP and TCP headers, pendOff where the next segment's
	// payload starts and pendSeg its number. pendIPSum and pendTCPSum
	// are the parts of the segments' checksums they all share
	// (cutSums).
	pend       []byte
	pendHL     int
	pendL4     int
	pendMSS    int
	pendOff    int
	pendSeg    int
	pendIPSum  uint64
	pendTCPSum uint64

	readState
}

func newVnetReader(rc syscall.RawConn) *vnetReader {
	r := &vnetReader{rc: rc, scratch: make([]byte, maxSegment)}
	r.fn = r.readFD
	return r
}

func (r *vnetReader) read(bufs [][]byte, sizes []int, start int) (int, error) {
	r.begin(bufs, sizes, start)
	var err error
	if r.pend != nil {
		r.cut()
	}
	if r.n < len(bufs) {
		err = r.rc.Read(r.fn)
	}
	r.iov[1].Base, r.iov[2].Base = nil, nil
	return r.end(err)
}

// readFD and writeFD make raw system calls: the descriptor is
// non-blocking, so a read or write returns at once (EAGAIN when it would
// block), and telling the scheduler about it costs more than the call.
func (r *vnetReader) readFD(fd uintptr) bool {
	for r.n < len(r.bufs) {
		if r.pend != nil {
			r.cut()
			continue
		}
		buf := r.bufs[r.n][r.start:]
		spill := r.scratch[min(len(buf), len(r.scratch)-1):]
		r.iov[0].Base = &r.hdr[0]
		r.iov[0].SetLen(vnetHdrLen)
		r.iov[1].Base = unsafe.SliceData(buf)
		r.iov[1].SetLen(len(buf))
		r.iov[2].Base = &spill[0]
		r.iov[2].SetLen(len(spill))
		n, _, errno := unix.RawSyscall(unix.SYS_READV, fd, uintptr(unsafe.Pointer(&r.iov[0])), uintptr(len(r.iov)))
		switch {
		case errno == unix.EINTR:
			continue
		case errno != 0:
			return r.stop(errno)
		case n == 0:
			return r.stop(nil)
		case int(n) <= vnetHdrLen:
			continue
		}
		size := int(n) - vnetHdrLen
		var h vnetHdr
		h.decode(r.hdr[:])
		if h.gsoType&^vnetGSOECN == vnetGSONone {
			size = min(size, len(buf))
			if h.flags&vnetFlagNeedsCsum != 0 {
				finishChecksum(buf[:size], int(h.csumStart), int(h.csumOffset))
			}
			r.sizes[r.n] = size
			r.n++
			continue
		}
		// A TSO segment: make it whole in scratch, then cut it.
		if len(buf) < len(r.scratch) {
			copy(r.scratch, buf)
		}
		r.startCut(r.scratch[:min(size, len(r.scratch))], &h)
	}
	return true
}

// finishChecksum completes a partial checksum: the field at start+offset
// holds the pseudo-header sum, and the checksum covers pkt[start:].
func finishChecksum(pkt []byte, start, offset int) {
	if start >= len(pkt) || start+offset+2 > len(pkt) {
		return
	}
	binary.BigEndian.PutUint16(pkt[start+offset:], ^checksum(pkt[start:], 0))
}

// startCut sets up the cutting of the TSO segment pkt, or drops it when
// its headers make no sense.
func (r *vnetReader) startCut(pkt []byte, h *vnetHdr) {
	l4 := int(h.csumStart)
	mss := int(h.gsoSize)
	switch {
	case len(pkt) < ipv4HdrLen || mss == 0:
		return
	case pkt[0]>>4 == 4 && h.gsoType&^vnetGSOECN == vnetGSOTCPv4:
		if l4 != int(pkt[0]&0xf)*4 || l4 < ipv4HdrLen || pkt[9] != protoTCP {
			return
		}
	case pkt[0]>>4 == 6 && h.gsoType&^vnetGSOECN == vnetGSOTCPv6:
		if l4 < ipv6HdrLen {
			return
		}
	default:
		return
	}
	if l4+tcpHdrLen > len(pkt) {
		return
	}
	hl := l4 + int(pkt[l4+12]>>4)*4
	if hl < l4+tcpHdrLen || hl >= len(pkt) {
		return
	}
	r.pend, r.pendHL, r.pendL4, r.pendMSS, r.pendOff, r.pendSeg = pkt, hl, l4, mss, hl, 0
	r.pendIPSum, r.pendTCPSum = cutSums(pkt, l4, hl)
	r.cut()
}

// cutSums returns the parts of the checksums that the packets cut from
// the TSO segment pkt share, as unfolded sums: ip, that of its IPv4
// header without the total length, identification and checksum (0 for
// IPv6), and tcp, that of the TCP pseudo-header without the length and
// of the TCP header without the sequence number, the word of data offset
// and flags, and the checksum. A packet's checksums add what it changes.
//
// The checksum fields the kernel hands over are not used. With
// NEEDS_CSUM, Linux leaves in the TCP checksum field the folded sum of
// the pseudo-header for the whole segment's TCP length (tcp_v4_send_check
// and tcp_v6_send_check), which its own segmentation (tcp_gso_segment)
// adjusts by each segment's length; the pseudo-header sum taken here
// costs as little and is right whatever the field holds.
func cutSums(pkt []byte, l4, hl int) (ip, tcp uint64) {
	var hdr [60]byte // the longest IPv4 or TCP header
	if pkt[0]>>4 == 4 {
		h := hdr[:copy(hdr[:], pkt[:l4])]
		h[2], h[3], h[4], h[5], h[10], h[11] = 0, 0, 0, 0, 0, 0
		ip = uint64(checksum(h, 0))
	}
	t := hdr[:copy(hdr[:], pkt[l4:hl])]
	clear(t[4:8])
	t[12], t[13], t[tcpCsumField], t[tcpCsumField+1] = 0, 0, 0, 0
	return ip, pseudoSum(pkt, 0) + uint64(checksum(t, 0))
}

// cut cuts the pending TSO segment into the caller's buffers until either
// runs out.
func (r *vnetReader) cut() {
	p, hl, l4 := r.pend, r.pendHL, r.pendL4
	for r.n < len(r.bufs) && r.pendOff < len(p) {
		dst := r.bufs[r.n][r.start:]
		end := min(r.pendOff+r.pendMSS, len(p))
		size := hl + end - r.pendOff
		if size > len(dst) {
			break // a segment larger than the buffers: drop the rest
		}
		copy(dst, p[:hl])
		copy(dst[hl:], p[r.pendOff:end])
		seg := dst[:size]
		if seg[0]>>4 == 4 {
			binary.BigEndian.PutUint16(seg[2:], uint16(size))
			id := binary.BigEndian.Uint16(p[4:]) + uint16(r.pendSeg)
			binary.BigEndian.PutUint16(seg[4:], id)
			binary.BigEndian.PutUint16(seg[10:], ^fold(r.pendIPSum+uint64(size)+uint64(id)))
		} else {
			binary.BigEndian.PutUint16(seg[4:], uint16(size-ipv6HdrLen))
		}
		tcp := seg[l4:]
		seq := binary.BigEndian.Uint32(p[l4+4:]) + uint32(r.pendOff-hl)
		binary.BigEndian.PutUint32(tcp[4:], seq)
		if end < len(p) {
			tcp[13] &^= tcpFlagFIN | tcpFlagPSH
		}
		if r.pendSeg > 0 {
			tcp[13] &^= tcpFlagCWR
		}
		sum := r.pendTCPSum + uint64(len(tcp)) + uint64(seq>>16) + uint64(seq&0xffff) +
			uint64(binary.BigEndian.Uint16(tcp[12:]))
		binary.BigEndian.PutUint16(tcp[tcpCsumField:], ^checksum(seg[hl:], sum))
		r.sizes[r.n] = size
		r.n++
		r.pendOff = end
		r.pendSeg++
	}
	if r.n < len(r.bufs) || r.pendOff >= len(p) {
		r.pend = nil
	}
}

// vnetWriter writes a batch to a descriptor in IFF_VNET_HDR mode. It
// plans the batch first, merging runs of TCP packets and rewriting the
// first packet's headers for the merged segment, and then writes one
// writev per run through the poller, resuming where it stopped.
type vnetWriter struct {
	rc   syscall.RawConn
	fn   func(fd uintptr) bool
	runs []vnetRun
	iovs []unix.Iovec
	writeState
	// single writes each packet on its own (offloads off).
	single bool
}

// vnetRun is a run of packets bufs[first:first+count] written as one
// segment: the first packet whole, the others without their hl bytes of
// headers.
type vnetRun struct {
	first, count int
	hl           int
	hdr          [vnetHdrLen]byte
}

// newVnetWriterPool returns a pool of vnetWriters for rc.
func newVnetWriterPool(rc syscall.RawConn) *writerPool {
	return newPool(func() packetWriter {
		w := &vnetWriter{rc: rc, single: offloadsOff.Load()}
		w.fn = w.writeFD
		return w
	})
}

// write writes every bufs[i][start:], merging what it can, and returns
// the number of packets the kernel accepted and the first error. The
// headers of a merged run's first packet are rewritten.
func (w *vnetWriter) write(bufs [][]byte, start int) (int, error) {
	w.begin(bufs, start)
	w.plan()
	n, err := w.end(w.rc.Write(w.fn))
	clear(w.iovs[:cap(w.iovs)])
	return n, err
}

// plan splits the batch into runs and prepares their headers.
func (w *vnetWriter) plan() {
	w.runs = w.runs[:0]
	for i := 0; i < len(w.bufs); {
		if len(w.bufs[i]) <= w.start {
			w.fail(errEmptyPacket)
			i++
			continue
		}
		w.runs = append(w.runs, vnetRun{first: i})
		r := &w.runs[len(w.runs)-1]
		bufs := w.bufs[i:]
		if w.single {
			bufs = bufs[:1]
		}
		r.count, r.hl = coalesce(bufs, w.start, r.hdr[:])
		i += r.count
	}
}

// writeFD writes the planned runs, one writev each.
func (w *vnetWriter) writeFD(fd uintptr) bool {
	for ; w.i < len(w.runs); w.i++ {
		r := &w.runs[w.i]
		iovs := append(w.iovs[:0], unix.Iovec{Base: &r.hdr[0]})
		iovs[0].SetLen(vnetHdrLen)
		for k := r.first; k < r.first+r.count; k++ {
			part := w.bufs[k][w.start:]
			if k > r.first {
				part = part[r.hl:]
			}
			iov := unix.Iovec{Base: unsafe.SliceData(part)}
			iov.SetLen(len(part))
			iovs = append(iovs, iov)
		}
		w.iovs = iovs
		var errno syscall.Errno
		for {
			_, _, errno = unix.RawSyscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iovs[0])), uintptr(len(iovs)))
			if errno != unix.EINTR {
				break
			}
		}
		switch {
		case errno == unix.EAGAIN:
			return false
		case errno != 0:
			w.fail(errno)
		default:
			w.n += r.count
		}
	}
	return true
}

// tcpHeaders returns the offset of the TCP header and the length of the
// IP and TCP headers of pkt, an IPv4 packet without options or an IPv6
// packet without extension headers carrying TCP, whose length fields
// match len(pkt). ok is false for any other packet.
func tcpHeaders(pkt []byte) (l4, hl int, ok bool) {
	switch {
	case len(pkt) >= ipv4HdrLen && pkt[0] == 0x45:
		if pkt[9] != protoTCP || int(binary.BigEndian.Uint16(pkt[2:])) != len(pkt) ||
			binary.BigEndian.Uint16(pkt[6:])&0x3fff != 0 {
			return 0, 0, false
		}
		l4 = ipv4HdrLen
	case len(pkt) >= ipv6HdrLen && pkt[0]>>4 == 6:
		if pkt[6] != protoTCP || int(binary.BigEndian.Uint16(pkt[4:]))+ipv6HdrLen != len(pkt) {
			return 0, 0, false
		}
		l4 = ipv6HdrLen
	default:
		return 0, 0, false
	}
	if len(pkt) < l4+tcpHdrLen {
		return 0, 0, false
	}
	hl = l4 + int(pkt[l4+12]>>4)*4
	if hl < l4+tcpHdrLen || hl > len(pkt) {
		return 0, 0, false
	}
	return l4, hl, true
}

// tcpChecksumValid reports whether the TCP checksum of pkt is right.
func tcpChecksumValid(pkt []byte, l4 int) bool {
	return tcpSumValid(pkt, l4, pseudoSum(pkt, 0))
}

// tcpSumValid reports whether the TCP checksum of pkt is right, given
// pseudo, the sum of its pseudo-header without the length
// (pseudoSum(pkt, 0)), which packets of one flow share.
func tcpSumValid(pkt []byte, l4 int, pseudo uint64) bool {
	return checksum(pkt[l4:], pseudo+uint64(len(pkt)-l4)) == 0xffff
}

// ipv4SharedSum returns the sum of the IPv4 header of pkt, without
// options, less its total length, identification and checksum: the part
// that the packets of one run share.
func ipv4SharedSum(pkt []byte) uint64 {
	var h [ipv4HdrLen]byte
	copy(h[:], pkt)
	h[2], h[3], h[4], h[5], h[10], h[11] = 0, 0, 0, 0, 0, 0
	return uint64(checksum(h[:], 0))
}

// ipv4SumValid reports whether the header checksum of pkt, an IPv4 packet
// without options, is right, given shared, its ipv4SharedSum. Linux
// checks it for every packet it merges (inet_gro_receive), and the
// merged segment gets a new one.
func ipv4SumValid(pkt []byte, shared uint64) bool {
	return fold(shared+uint64(binary.BigEndian.Uint16(pkt[2:]))+uint64(binary.BigEndian.Uint16(pkt[4:]))+
		uint64(binary.BigEndian.Uint16(pkt[10:]))) == 0xffff
}

// sameFlow reports whether q can follow head in one segment as far as
// their headers go: the same addresses, ports and IP fields, the same
// acknowledgment, window and options. count is q's place in the run.
// The fields are compared in words of up to eight bytes, whose byte
// order does not matter for equality.
func sameFlow(head, q []byte, l4, hl, count int) bool {
	if len(q) < hl || len(head) < hl {
		return false
	}
	ne := binary.NativeEndian
	if l4 == ipv4HdrLen {
		// Version, header length and TOS; flags, fragment offset, TTL
		// and protocol; addresses.
		if ne.Uint16(q[0:2]) != ne.Uint16(head[0:2]) || ne.Uint32(q[6:10]) != ne.Uint32(head[6:10]) ||
			ne.Uint64(q[12:20]) != ne.Uint64(head[12:20]) {
			return false
		}
		// Without DF the identification must count up, as the kernel
		// will number the packets when it cuts the segment again.
		if head[6]&0x40 == 0 && binary.BigEndian.Uint16(q[4:]) != binary.BigEndian.Uint16(head[4:])+uint16(count) {
			return false
		}
	} else if ne.Uint32(q[0:4]) != ne.Uint32(head[0:4]) || ne.Uint16(q[6:8]) != ne.Uint16(head[6:8]) ||
		ne.Uint64(q[8:16]) != ne.Uint64(head[8:16]) || ne.Uint64(q[16:24]) != ne.Uint64(head[16:24]) ||
		ne.Uint64(q[24:32]) != ne.Uint64(head[24:32]) || ne.Uint64(q[32:40]) != ne.Uint64(head[32:40]) {
		return false
	}
	t, u := head[l4:hl], q[l4:hl]
	return ne.Uint32(t[0:4]) == ne.Uint32(u[0:4]) && // ports
		ne.Uint32(t[8:12]) == ne.Uint32(u[8:12]) && t[12] == u[12] && // acknowledgment, data offset
		ne.Uint16(t[14:16]) == ne.Uint16(u[14:16]) && // window
		ne.Uint16(t[18:20]) == ne.Uint16(u[18:20]) && // urgent pointer
		string(t[tcpHdrLen:]) == string(u[tcpHdrLen:]) // options
}

// coalesce finds how many packets from the start of bufs (each from
// start on) can be written as one TCP segment, and for a run of more
// than one rewrites the first packet's headers and fills in hdr. It
// returns the run's length and the header length to skip in the packets
// after the first.
//
// Every packet of a run has its checksum verified here, each on its own
// (a sum over the whole run would let errors in two packets cancel), and
// a packet that fails ends the run and is written alone, for the kernel
// to check and drop. The merged segment carries NEEDS_CSUM with the
// pseudo-header sum in its checksum field: Linux makes it a
// CHECKSUM_PARTIAL buffer (virtio_net_hdr_to_skb), which its receive path
// takes as verified (skb_csum_unnecessary) and which, when forwarded, it
// completes over the merged bytes, so a wrong checksum among the merged
// packets would be neither caught nor kept. Linux's own WireGuard marks
// every decrypted packet CHECKSUM_UNNECESSARY, trusting the Poly1305
// tag; a peer's stack can still send a wrong checksum, which wgd leaves
// to the receiving kernel to drop. The pseudo-header's addresses are
// summed once per run, as every packet of it has the same.
func coalesce(bufs [][]byte, start int, hdr []byte) (count, hl int) {
	clear(hdr)
	head := bufs[0][start:]
	l4, hl, ok := tcpHeaders(head)
	if !ok || head[l4+13] != tcpFlagACK || len(head) == hl || len(bufs) == 1 {
		return 1, 0
	}
	mss := len(head) - hl
	total := mss
	next := binary.BigEndian.Uint32(head[l4+4:]) + uint32(mss)
	limit := 0xffff - hl
	if l4 == ipv6HdrLen {
		limit = 0xffff - (hl - ipv6HdrLen)
	}
	checked, push := false, false
	pseudo := pseudoSum(head, 0) // the same for every packet of the run
	var ipSum uint64
	for count = 1; count < len(bufs); count++ {
		if len(bufs[count]) <= start {
			break
		}
		q := bufs[count][start:]
		if !sameFlow(head, q, l4, hl, count) {
			break
		}
		flags := q[l4+13]
		n := len(q) - hl
		if (flags != tcpFlagACK && flags != tcpFlagACK|tcpFlagPSH) ||
			binary.BigEndian.Uint32(q[l4+4:]) != next || n == 0 || n > mss || total+n > limit {
			break
		}
		if q[0]>>4 == 4 && int(binary.BigEndian.Uint16(q[2:])) != len(q) ||
			q[0]>>4 == 6 && int(binary.BigEndian.Uint16(q[4:]))+ipv6HdrLen != len(q) {
			break
		}
		if !checked {
			if l4 == ipv4HdrLen {
				ipSum = ipv4SharedSum(head)
			}
			if !tcpSumValid(head, l4, pseudo) || l4 == ipv4HdrLen && !ipv4SumValid(head, ipSum) {
				return 1, 0
			}
			checked = true
		}
		if !tcpSumValid(q, l4, pseudo) || l4 == ipv4HdrLen && !ipv4SumValid(q, ipSum) {
			break
		}
		total += n
		next += uint32(n)
		if flags&tcpFlagPSH != 0 {
			push = true
			count++
			break
		}
		if n < mss {
			count++
			break
		}
	}
	if count == 1 {
		return 1, 0
	}
	if push {
		head[l4+13] |= tcpFlagPSH
	}
	h := vnetHdr{flags: vnetFlagNeedsCsum, hdrLen: uint16(hl), gsoSize: uint16(mss),
		csumStart: uint16(l4), csumOffset: tcpCsumField}
	if l4 == ipv4HdrLen {
		h.gsoType = vnetGSOTCPv4
		binary.BigEndian.PutUint16(head[2:], uint16(hl+total))
		ipv4Checksum(head, ipv4HdrLen)
	} else {
		h.gsoType = vnetGSOTCPv6
		binary.BigEndian.PutUint16(head[4:], uint16(hl-ipv6HdrLen+total))
	}
	tcpLen := hl - l4 + total
	binary.BigEndian.PutUint16(head[l4+tcpCsumField:], checksum(nil, pseudo+uint64(tcpLen)))
	h.encode(hdr)
	return count, hl
}
