// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
)

// naiveChecksum is the one's complement sum of RFC 1071, 16 bits at a
// time, folded but not complemented.
func naiveChecksum(b []byte, initial uint32) uint16 {
	s := initial
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

func TestChecksumMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n*7)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		init := rng.Uint32() & 0xffffff
		if got, want := checksum(b, uint64(init)), naiveChecksum(b, init); got != want {
			t.Fatalf("len %d: checksum = %#04x, want %#04x", len(b), got, want)
		}
	}
}

// tcpSegment returns a TCP packet (IPv4 or IPv6) carrying payload with
// sequence number seq and the given flags, with valid checksums.
func tcpSegment(v6 bool, seq uint32, flags byte, id uint16, payload []byte) []byte {
	l4 := ipv4HdrLen
	if v6 {
		l4 = ipv6HdrLen
	}
	const opts = 12 // NOP, NOP, timestamps
	hl := l4 + tcpHdrLen + opts
	p := make([]byte, hl+len(payload))
	if v6 {
		p[0] = 0x60
		binary.BigEndian.PutUint16(p[4:], uint16(len(p)-ipv6HdrLen))
		p[6], p[7] = protoTCP, 64
		copy(p[8:], []byte{0xfd, 0x77, 15: 1, 16: 0xfd, 17: 0x77, 31: 2})
	} else {
		p[0] = 0x45
		binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
		binary.BigEndian.PutUint16(p[4:], id)
		p[6] = 0x40 // DF
		p[8], p[9] = 64, protoTCP
		copy(p[12:], []byte{10, 77, 0, 1, 10, 77, 0, 2})
		ipv4Checksum(p, ipv4HdrLen)
	}
	tcp := p[l4:]
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], 5201)
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], 777)
	tcp[12] = byte((tcpHdrLen+opts)/4) << 4
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], 501)
	copy(tcp[tcpHdrLen:], []byte{1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7})
	copy(p[hl:], payload)
	binary.BigEndian.PutUint16(tcp[tcpCsumField:], ^checksum(tcp, pseudoSum(p, len(tcp))))
	return p
}

func TestCutAndCoalesce(t *testing.T) {
	const mss, start = 1368, 16
	payload := make([]byte, 20*mss+500)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	for _, v6 := range []bool{false, true} {
		big := tcpSegment(v6, 1000, tcpFlagACK|tcpFlagPSH, 50, payload)
		l4, hl, ok := tcpHeaders(big)
		if !ok {
			t.Fatal("tcpHeaders refused a TCP packet")
		}
		gso := uint8(vnetGSOTCPv4)
		if v6 {
			gso = vnetGSOTCPv6
		}

		// Cut the segment into buffers, fewer than it needs at first.
		r := newVnetReader(nil)
		copy(r.scratch, big)
		var bufs [][]byte
		var sizes []int
		var segs [][]byte
		for _, n := range []int{5, 64} {
			bufs, sizes = make([][]byte, n), make([]int, n)
			for i := range bufs {
				bufs[i] = make([]byte, 2048)
			}
			r.bufs, r.sizes, r.start, r.n = bufs, sizes, start, 0
			if r.pend == nil {
				r.startCut(r.scratch[:len(big)], &vnetHdr{gsoType: gso, gsoSize: mss, csumStart: uint16(l4)})
			} else {
				r.cut()
			}
			for i := range r.n {
				segs = append(segs, bufs[i][:start+sizes[i]])
			}
		}
		if r.pend != nil || len(segs) != 21 {
			t.Fatalf("v6=%v: cut into %d segments (pending %v), want 21", v6, len(segs), r.pend != nil)
		}
		var joined []byte
		for i, s := range segs {
			p := s[start:]
			pl, phl, ok := tcpHeaders(p)
			if !ok || pl != l4 || phl != hl || !tcpChecksumValid(p, l4) {
				t.Fatalf("v6=%v: segment %d has bad headers or checksum", v6, i)
			}
			if !v6 && naiveChecksum(p[:ipv4HdrLen], 0) != 0xffff {
				t.Fatalf("segment %d: bad IPv4 header checksum", i)
			}
			if seq := binary.BigEndian.Uint32(p[l4+4:]); seq != 1000+uint32(i*mss) {
				t.Fatalf("segment %d: seq %d", i, seq)
			}
			wantFlags := byte(tcpFlagACK)
			if i == len(segs)-1 {
				wantFlags |= tcpFlagPSH
			}
			if p[l4+13] != wantFlags {
				t.Fatalf("segment %d: flags %#x, want %#x", i, p[l4+13], wantFlags)
			}
			joined = append(joined, p[hl:]...)
		}
		if !bytes.Equal(joined, payload) {
			t.Fatalf("v6=%v: payloads differ after cutting", v6)
		}

		// Merge them again; a bad checksum ends the run.
		var hdr [vnetHdrLen]byte
		bad := bytes.Clone(segs[15])
		bad[len(bad)-1]++
		mixed := append(append(append([][]byte(nil), segs[:15]...), bad), segs[16:]...)
		if n, _ := coalesce(mixed, start, hdr[:]); n != 15 {
			t.Fatalf("v6=%v: run with a bad checksum merged %d packets, want 15", v6, n)
		}
		// The first run rewrote segs[0]; cut them again from scratch.
		segs2 := make([][]byte, len(segs))
		for i := range segs {
			if i == 0 {
				segs2[i] = bytes.Clone(segs[0])
				p := segs2[0][start:]
				seg := tcpSegment(v6, 1000, tcpFlagACK, 50, payload[:mss])
				copy(p, seg)
				continue
			}
			segs2[i] = segs[i]
		}
		n, shl := coalesce(segs2, start, hdr[:])
		if n != len(segs2) || shl != hl {
			t.Fatalf("v6=%v: coalesce = %d, %d; want %d, %d", v6, n, shl, len(segs2), hl)
		}
		var h vnetHdr
		h.decode(hdr[:])
		if h.gsoType != gso || h.gsoSize != mss || int(h.csumStart) != l4 || h.csumOffset != tcpCsumField ||
			int(h.hdrLen) != hl || h.flags != vnetFlagNeedsCsum {
			t.Fatalf("v6=%v: header %+v", v6, h)
		}
		merged := bytes.Clone(segs2[0][start:])
		for _, s := range segs2[1:] {
			merged = append(merged, s[start+hl:]...)
		}
		if _, _, ok := tcpHeaders(merged); !ok {
			t.Fatalf("v6=%v: merged packet has bad length fields", v6)
		}
		// With the partial checksum completed, it is the original.
		finishChecksum(merged, l4, tcpCsumField)
		if !v6 {
			binary.BigEndian.PutUint16(merged[4:], 50)
			ipv4Checksum(merged, ipv4HdrLen)
		}
		if !bytes.Equal(merged, big) {
			t.Fatalf("v6=%v: merged packet differs from the original", v6)
		}
	}
}

func TestCoalesceRefuses(t *testing.T) {
	const start = 16
	pl := make([]byte, 1000)
	pkt := func(seq uint32, flags byte) []byte {
		return append(make([]byte, start), tcpSegment(false, seq, flags, uint16(seq), pl)...)
	}
	var hdr [vnetHdrLen]byte
	for _, c := range []struct {
		name string
		bufs [][]byte
		want int
	}{
		{"gap", [][]byte{pkt(0, tcpFlagACK), pkt(1001, tcpFlagACK)}, 1},
		{"syn", [][]byte{pkt(0, tcpFlagACK|0x02), pkt(1000, tcpFlagACK)}, 1},
		{"fin", [][]byte{pkt(0, tcpFlagACK), pkt(1000, tcpFlagACK|tcpFlagFIN)}, 1},
		{"push ends", [][]byte{pkt(0, tcpFlagACK), pkt(1000, tcpFlagACK|tcpFlagPSH), pkt(2000, tcpFlagACK)}, 2},
		{"in order", [][]byte{pkt(0, tcpFlagACK), pkt(1000, tcpFlagACK), pkt(2000, tcpFlagACK)}, 3},
		{"udp", [][]byte{append(make([]byte, start), 0x45), pkt(0, tcpFlagACK)}, 1},
	} {
		if n, _ := coalesce(c.bufs, start, hdr[:]); n != c.want {
			t.Errorf("%s: coalesce merged %d, want %d", c.name, n, c.want)
		}
	}
}

// cutSegment cuts the TSO segment pkt with virtio header h into 2 KiB
// buffers, as many rounds as it takes, and returns the packets.
func cutSegment(pkt []byte, h *vnetHdr) [][]byte {
	const start = 16
	r := newVnetReader(nil)
	copy(r.scratch, pkt)
	var out [][]byte
	for round := 0; round == 0 || r.pend != nil; round++ {
		bufs, sizes := make([][]byte, 7), make([]int, 7)
		for i := range bufs {
			bufs[i] = make([]byte, 2048)
		}
		r.bufs, r.sizes, r.start, r.n = bufs, sizes, start, 0
		if round == 0 {
			r.startCut(r.scratch[:len(pkt)], h)
		} else {
			r.cut()
		}
		for i := range r.n {
			out = append(out, bufs[i][start:start+sizes[i]])
		}
	}
	return out
}

// withIPv4Options returns the IPv4 packet p with four NOP options added
// to its header (whose checksum it leaves stale).
func withIPv4Options(p []byte) []byte {
	q := append(append(append([]byte(nil), p[:ipv4HdrLen]...), 1, 1, 1, 1), p[ipv4HdrLen:]...)
	q[0] = 0x46
	binary.BigEndian.PutUint16(q[2:], uint16(len(q)))
	return q
}

// TestCutChecksums cuts TSO segments whatever their checksum fields hold
// (what Linux puts there, zero, all ones, noise) and checks every packet
// with the reference sum alone: the packets' checksums are computed from
// their own bytes, never taken from the kernel's fields. Odd segment
// sizes, an odd last payload, IPv4 options and the flags that only the
// first (CWR) or the last (FIN, PSH) packet keeps are covered.
func TestCutChecksums(t *testing.T) {
	payload := make([]byte, 9000)
	for i := range payload {
		payload[i] = byte(i*13 + i>>8)
	}
	for _, v6 := range []bool{false, true} {
		for _, opts := range []bool{false, true} {
			if v6 && opts {
				continue
			}
			for _, mss := range []int{1368, 1367, 536} {
				for _, n := range []int{9000, 8999, mss + 1} {
					for _, field := range []string{"kernel", "zero", "ones", "noise"} {
						const flags = tcpFlagACK | tcpFlagPSH | tcpFlagFIN | tcpFlagCWR
						pkt := tcpSegment(v6, 0x7ffff000, flags, 0xfff0, payload[:n])
						if opts {
							pkt = withIPv4Options(pkt)
						}
						l4 := ipv6HdrLen
						if !v6 {
							l4 = int(pkt[0]&0xf) * 4
						}
						hl := l4 + int(pkt[l4+12]>>4)*4
						csum := pkt[l4+tcpCsumField:]
						switch field {
						case "kernel": // the pseudo-header sum for the whole length
							binary.BigEndian.PutUint16(csum, checksum(nil, pseudoSum(pkt, len(pkt)-l4)))
						case "zero":
							csum[0], csum[1] = 0, 0
						case "ones":
							csum[0], csum[1] = 0xff, 0xff
							if !v6 {
								pkt[10], pkt[11] = 0xff, 0xff
							}
						case "noise":
							csum[0], csum[1] = 0x5a, 0xc3
							if !v6 {
								pkt[10], pkt[11] = 0x12, 0x34
							}
						}
						h := vnetHdr{flags: vnetFlagNeedsCsum, gsoType: vnetGSOTCPv4, gsoSize: uint16(mss),
							hdrLen: uint16(hl), csumStart: uint16(l4), csumOffset: tcpCsumField}
						if v6 {
							h.gsoType = vnetGSOTCPv6
						}
						name := fmt.Sprintf("v6=%v options=%v mss=%d len=%d field=%s", v6, opts, mss, n, field)
						segs := cutSegment(pkt, &h)
						if want := (n + mss - 1) / mss; len(segs) != want {
							t.Fatalf("%s: %d packets, want %d", name, len(segs), want)
						}
						var joined []byte
						for i, s := range segs {
							if err := refPacketError(s, l4); err != nil {
								t.Fatalf("%s: packet %d: %v", name, i, err)
							}
							if seq := binary.BigEndian.Uint32(s[l4+4:]); seq != 0x7ffff000+uint32(i*mss) {
								t.Fatalf("%s: packet %d: seq %#x", name, i, seq)
							}
							want := byte(tcpFlagACK)
							if i == 0 {
								want |= tcpFlagCWR
							}
							if i == len(segs)-1 {
								want |= tcpFlagPSH | tcpFlagFIN
							}
							if s[l4+13] != want {
								t.Fatalf("%s: packet %d: flags %#x, want %#x", name, i, s[l4+13], want)
							}
							if !v6 && binary.BigEndian.Uint16(s[4:]) != 0xfff0+uint16(i) {
								t.Fatalf("%s: packet %d: identification %#x", name, i, binary.BigEndian.Uint16(s[4:]))
							}
							joined = append(joined, s[hl:]...)
						}
						if !bytes.Equal(joined, payload[:n]) {
							t.Fatalf("%s: payloads differ after cutting", name)
						}
					}
				}
			}
		}
	}
}

// TestSameFlowFields changes each header byte of a packet that follows
// another in one flow: only the fields a merged segment rewrites or
// leaves to each packet (IP lengths, the IPv4 identification under DF
// and checksum, the TCP sequence number, flags and checksum) may differ.
func TestSameFlowFields(t *testing.T) {
	pl := make([]byte, 100)
	for _, v6 := range []bool{false, true} {
		head := tcpSegment(v6, 1000, tcpFlagACK, 7, pl)
		next := tcpSegment(v6, 1100, tcpFlagACK, 8, pl)
		l4, hl, _ := tcpHeaders(head)
		if !sameFlow(head, next, l4, hl, 1) {
			t.Fatalf("v6=%v: the next packet of the flow is refused", v6)
		}
		free := map[int]bool{l4 + 4: true, l4 + 5: true, l4 + 6: true, l4 + 7: true, l4 + 13: true,
			l4 + tcpCsumField: true, l4 + tcpCsumField + 1: true}
		if v6 {
			free[4], free[5] = true, true
		} else {
			for _, i := range []int{2, 3, 4, 5, 10, 11} {
				free[i] = true
			}
		}
		for i := range hl {
			for _, bit := range []byte{0x01, 0x80} {
				q := bytes.Clone(next)
				q[i] ^= bit
				if got := sameFlow(head, q, l4, hl, 1); got != free[i] {
					t.Errorf("v6=%v: byte %d changed (^%#x): sameFlow = %v, want %v", v6, i, bit, got, free[i])
				}
			}
		}
	}
}

// TestCoalesceChecksEachPacket merges runs in which checksums are wrong:
// a wrong head, and two wrong packets whose errors cancel in a sum over
// the run; for IPv4 also a wrong header checksum. No wrong packet may end
// up in a merged segment.
func TestCoalesceChecksEachPacket(t *testing.T) {
	const start = 16
	pl := make([]byte, 1000)
	for i := range pl {
		pl[i] = byte(i)
	}
	for _, v6 := range []bool{false, true} {
		pkt := func(i int) []byte {
			return append(make([]byte, start), tcpSegment(v6, uint32(1000*i), tcpFlagACK, uint16(i), pl)...)
		}
		l4, _, _ := tcpHeaders(pkt(0)[start:])
		// bump adds d to a packet's checksum field (one's complement).
		bump := func(b []byte, d int) []byte {
			f := b[start+l4+tcpCsumField:]
			c := uint32(binary.BigEndian.Uint16(f))
			if d > 0 {
				c += uint32(d)
			} else {
				c += 0xffff - uint32(-d)
			}
			binary.BigEndian.PutUint16(f, uint16(c+c>>16))
			return b
		}
		var hdr [vnetHdrLen]byte
		for _, c := range []struct {
			name string
			bufs [][]byte
			want int
		}{
			{"all right", [][]byte{pkt(0), pkt(1), pkt(2), pkt(3)}, 4},
			{"wrong head", [][]byte{bump(pkt(0), 1), pkt(1), pkt(2)}, 1},
			{"errors that cancel", [][]byte{pkt(0), pkt(1), bump(pkt(2), 1), bump(pkt(3), -1), pkt(4)}, 2},
			{"the second of them first", [][]byte{bump(pkt(2), 1), bump(pkt(3), -1), pkt(4)}, 1},
			{"wrong last", [][]byte{pkt(0), pkt(1), bump(pkt(2), 3)}, 2},
		} {
			if !v6 {
				// A wrong IPv4 header checksum, which Linux checks
				// before merging too, ends a run in the same way.
				badIP := func(b []byte) []byte { b[start+10]++; return b }
				switch c.name {
				case "wrong head":
					c.bufs[0] = badIP(pkt(0))
				case "wrong last":
					c.bufs[2] = badIP(pkt(2))
				}
			}
			if n, _ := coalesce(c.bufs, start, hdr[:]); n != c.want {
				t.Errorf("v6=%v, %s: coalesce merged %d, want %d", v6, c.name, n, c.want)
			}
		}
	}
}
