// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"encoding/binary"
	"testing"
)

// splitPackets cuts fuzz input into up to 16 packets, each a big-endian
// 16-bit length followed by that many bytes (fewer at the end).
func splitPackets(data []byte) [][]byte {
	var pkts [][]byte
	for len(data) >= 2 && len(pkts) < 16 {
		n := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
		pkts = append(pkts, append([]byte(nil), data[2:2+n]...))
		data = data[2+n:]
	}
	return pkts
}

// joinPackets is the inverse of splitPackets.
func joinPackets(pkts ...[]byte) []byte {
	var out []byte
	for _, p := range pkts {
		out = binary.BigEndian.AppendUint16(out, uint16(len(p)))
		out = append(out, p...)
	}
	return out
}

// FuzzCoalesce feeds packet runs, as they arrive decrypted from peers, to
// the write path's TCP merging. It must never panic, and a merge it
// reports must be consistent: within the run, with a header length inside
// every merged packet, a segment within 64 KiB, a virtio header that cuts
// it at the first packet's payload size, and only packets whose
// checksums are right by the reference sum.
func FuzzCoalesce(f *testing.F) {
	payload := make([]byte, 3*64)
	for _, v6 := range []bool{false, true} {
		a := tcpSegment(v6, 1000, tcpFlagACK, 7, payload[:64])
		b := tcpSegment(v6, 1064, tcpFlagACK, 8, payload[:64])
		c := tcpSegment(v6, 1128, tcpFlagACK|tcpFlagPSH, 9, payload[:40])
		f.Add(joinPackets(a, b, c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bufs := splitPackets(data)
		if len(bufs) == 0 {
			return
		}
		lens := make([]int, len(bufs))
		for i, b := range bufs {
			lens[i] = len(b)
		}
		orig := make([][]byte, len(bufs))
		for i, b := range bufs {
			orig[i] = append([]byte(nil), b...)
		}
		hdr := make([]byte, vnetHdrLen)
		count, hl := coalesce(bufs, 0, hdr)
		if count < 1 || count > len(bufs) {
			t.Fatalf("run of %d packets out of %d", count, len(bufs))
		}
		if count == 1 {
			return
		}
		var h vnetHdr
		h.decode(hdr)
		for i := range count {
			if err := refPacketError(orig[i], int(h.csumStart)); err != nil {
				t.Fatalf("packet %d of a merged run: %v", i, err)
			}
		}
		total := lens[0] - hl
		for i := 1; i < count; i++ {
			if hl > lens[i] {
				t.Fatalf("header length %d beyond packet %d of %d bytes", hl, i, lens[i])
			}
			total += lens[i] - hl
		}
		if hl+total > 0xffff+40 || int(h.gsoSize) != lens[0]-hl || int(h.hdrLen) != hl {
			t.Fatalf("merged %d packets: header %+v, hl %d, payload %d", count, h, hl, total)
		}
		if bufs[0][0] == 0x45 && int(binary.BigEndian.Uint16(bufs[0][2:])) != hl+total {
			t.Fatalf("IPv4 total length not updated")
		}
	})
}

// FuzzCut feeds segments with arbitrary virtio headers and checksum
// fields to the read path's segmentation. The kernel is the only writer
// of these, but a malformed one must still never make the reader panic
// or write past its buffers, and every packet it cuts must carry right
// checksums, by the reference sum.
func FuzzCut(f *testing.F) {
	seg := tcpSegment(false, 1, tcpFlagACK, 1, make([]byte, 3000))
	hdr := make([]byte, vnetHdrLen)
	(&vnetHdr{gsoType: vnetGSOTCPv4, gsoSize: 1000, hdrLen: 40, csumStart: ipv4HdrLen, csumOffset: tcpCsumField}).encode(hdr)
	f.Add(append(hdr, seg...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < vnetHdrLen {
			return
		}
		var h vnetHdr
		h.decode(data)
		pkt := data[vnetHdrLen:]
		if len(pkt) > maxSegment {
			return
		}
		r := newVnetReader(nil)
		copy(r.scratch, pkt)
		bufs, sizes := make([][]byte, 8), make([]int, 8)
		for i := range bufs {
			bufs[i] = make([]byte, 1600)
		}
		for round := 0; round < 64; round++ {
			r.bufs, r.sizes, r.start, r.n = bufs, sizes, 16, 0
			if round == 0 {
				r.startCut(r.scratch[:len(pkt)], &h)
			} else if r.pend != nil {
				r.cut()
			} else {
				break
			}
			for i := range r.n {
				if sizes[i] < 0 || 16+sizes[i] > len(bufs[i]) {
					t.Fatalf("segment %d of %d bytes in a %d-byte buffer", i, sizes[i], len(bufs[i]))
				}
				if err := refPacketError(bufs[i][16:16+sizes[i]], int(h.csumStart)); err != nil {
					t.Fatalf("segment %d: %v", i, err)
				}
			}
		}
	})
}
