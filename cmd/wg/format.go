// SPDX-License-Identifier: BSD-2-Clause

package main

// This file renders the values wg(8) prints: time spans, byte counts,
// keys, endpoints and allowed IPs, and the ANSI colours of the pretty form
// with wg's way of removing them when colour is off.

import (
	"io"
	"net/netip"
	"runtime"
	"strconv"

	"github.com/wgbsd/wgbsd/ifwg"
)

// The ANSI sequences of the pretty form.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// noneText stands for a missing key, endpoint or allowed-IP list.
const noneText = "(none)"

// truncIfName returns name cut to ifwg.MaxNameLen bytes, as wg(8) copies an
// interface name into its fixed-size buffer.
func truncIfName(name string) string {
	if len(name) > ifwg.MaxNameLen {
		return name[:ifwg.MaxNameLen]
	}
	return name
}

// useColor reports whether the pretty form is coloured: WG_COLOR_MODE
// "always" or "never" decides, anything else means "if stdout is a
// terminal".
func useColor(e *env) bool {
	switch e.getenv("WG_COLOR_MODE") {
	case "always":
		return true
	case "never":
		return false
	}
	return e.stdoutIsTTY
}

// showKeys reports whether the pretty form prints private and preshared
// keys: only with WG_HIDE_KEYS=never.
func showKeys(e *env) bool { return e.getenv("WG_HIDE_KEYS") == "never" }

// terminal writes the pretty form one chunk at a time. Without colour,
// each chunk loses its escape sequences as wg(8) removes them: the filter
// works on one formatted chunk at a time, so the chunking of the pretty
// printer follows wg(8)'s and matters for text (an interface name) that
// itself contains "ESC[".
type terminal struct {
	w     io.Writer
	color bool
	buf   []byte
	err   error
}

// chunk writes one chunk.
func (t *terminal) chunk(b []byte) {
	if t.err != nil {
		return
	}
	if !t.color {
		t.buf = stripANSI(t.buf[:0], b)
		b = t.buf
	}
	_, t.err = t.w.Write(b)
}

// stripANSI appends b to dst without its escape sequences, as wg(8)
// removes them: an ESC followed by "[" and starting before the last two
// bytes of the chunk is removed together with everything up to and
// including the next ASCII letter (or the end of the chunk).
func stripANSI(dst, b []byte) []byte {
	n, start := len(b), 0
	for i := 0; i+2 < n; i++ {
		if b[i] != 0x1b || b[i+1] != '[' {
			continue
		}
		dst = append(dst, b[start:i]...)
		j := i + 2
		for j < n && !isASCIILetter(b[j]) {
			j++
		}
		start = min(j+1, n)
		i = j
	}
	return append(dst, b[start:]...)
}

// isASCIILetter reports whether c is an ASCII letter, the end of an escape
// sequence for wg(8).
func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// spanUnits are the units of a time span, largest first: a year is 365
// days.
var spanUnits = [...]struct {
	secs uint64
	name string
}{
	{365 * 24 * 60 * 60, "year"},
	{24 * 60 * 60, "day"},
	{60 * 60, "hour"},
	{60, "minute"},
	{1, "second"},
}

// appendSpan appends secs as wg(8) writes a time span: every non-zero unit
// as "N unit", plural unless N is 1, the unit word in cyan, joined by ", ".
// Zero appends nothing.
func appendSpan(b []byte, secs uint64) []byte {
	first := true
	for _, u := range spanUnits {
		n := secs / u.secs
		secs %= u.secs
		if n == 0 {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = strconv.AppendUint(b, n, 10)
		b = append(b, " "+ansiCyan...)
		b = append(b, u.name...)
		if n != 1 {
			b = append(b, 's')
		}
		b = append(b, ansiReset...)
	}
	return b
}

// clockBackward is the text for a handshake later than now.
const clockBackward = "(" + ansiRed + "System clock wound backward; connection problems may ensue." + ansiReset + ")"

// appendAgo appends the age of a handshake at Unix second sec, seen at
// Unix second now: "Now" in the same second, the clock warning for a
// handshake in the future, else the span and " ago".
func appendAgo(b []byte, sec, now int64) []byte {
	switch {
	case now == sec:
		return append(b, "Now"...)
	case now < sec:
		return append(b, clockBackward...)
	}
	b = appendSpan(b, uint64(now-sec))
	return append(b, " ago"...)
}

// appendBytes appends a byte count as wg(8) writes it: "N B" below 1 KiB,
// else the value in KiB, MiB, GiB or TiB with two decimals, the unit in
// cyan.
func appendBytes(b []byte, n uint64) []byte {
	const kib = 1024
	var v float64
	var unit string
	switch {
	case n < kib:
		b = strconv.AppendUint(b, n, 10)
		return append(b, " "+ansiCyan+"B"+ansiReset...)
	case n < kib*kib:
		v, unit = float64(n)/kib, "KiB"
	case n < kib*kib*kib:
		v, unit = float64(n)/(kib*kib), "MiB"
	case n < kib*kib*kib*kib:
		v, unit = float64(n)/(kib*kib*kib), "GiB"
	default:
		v, unit = float64(n)/(kib*kib*kib)/kib, "TiB"
	}
	b = strconv.AppendFloat(b, v, 'f', 2, 64)
	b = append(b, " "+ansiCyan...)
	b = append(b, unit...)
	return append(b, ansiReset...)
}

// keyText returns a key's base64 text; wg(8) prints even the zero key so
// when it has one.
func keyText(k ifwg.Key) string { return k.String() }

// maybeKeyText returns keyText(*k), or "(none)" when k is nil.
func maybeKeyText(k *ifwg.Key) string {
	if k == nil {
		return noneText
	}
	return keyText(*k)
}

// hasPSK reports whether a peer has a preshared key in wg(8)'s sense: one
// was reported and it is not zero.
func hasPSK(p *ifwg.Peer) bool { return p.PresharedKey != nil && !p.PresharedKey.IsZero() }

// appendEndpoint appends an endpoint as getnameinfo(3) with numeric host
// and service writes it, IPv6 in brackets: "a.b.c.d:port" or
// "[v6%zone]:port".
func appendEndpoint(b []byte, e ifwg.Endpoint) []byte {
	if e.Addr.Is4() {
		b = appendIPv4(b, e.Addr.As4())
	} else {
		b = append(b, '[')
		b = appendIPv6(b, e.Addr.As16())
		if z := e.ZoneName(); z != "" {
			b = append(b, '%')
			b = append(b, z...)
		}
		b = append(b, ']')
	}
	b = append(b, ':')
	return strconv.AppendUint(b, uint64(e.Port), 10)
}

// appendPrefix appends an allowed IP as wg(8) writes it: the address as
// inet_ntop(3) writes it, sep, and the prefix length.
func appendPrefix(b []byte, p netip.Prefix, sep string) []byte {
	a := p.Addr()
	if a.Is4() {
		b = appendIPv4(b, a.As4())
	} else {
		b = appendIPv6(b, a.As16())
	}
	b = append(b, sep...)
	return strconv.AppendInt(b, int64(p.Bits()), 10)
}

// appendIPv4 appends a dotted quad.
func appendIPv4(b []byte, a [4]byte) []byte {
	for i, c := range a {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendUint(b, uint64(c), 10)
	}
	return b
}

// libcEmbedsIPv4 reports whether the C library's inet_ntop(3) writes the
// address whose first six 16-bit groups are zero and whose last two are w6
// and w7 with a dotted quad at the end. Both C libraries do when w6 is not
// zero; FreeBSD's also when only w7 is set and is not 1 ("::0.0.0.2"),
// glibc then writes hex ("::2").
func libcEmbedsIPv4(w6, w7 uint16) bool {
	if w6 != 0 {
		return true
	}
	return runtime.GOOS == "freebsd" && w7 != 0 && w7 != 1
}

// appendIPv6 appends an IPv6 address as the C library's inet_ntop(3)
// writes it: lower-case hex groups without leading zeros, the first
// longest run of two or more zero groups as "::", and a dotted quad for
// IPv4-mapped and (see libcEmbedsIPv4) IPv4-compatible addresses.
func appendIPv6(b []byte, a [16]byte) []byte {
	var w [8]uint16
	for i := range w {
		w[i] = uint16(a[2*i])<<8 | uint16(a[2*i+1])
	}
	base, n := longestZeroRun(w)
	switch {
	case base == 0 && n == 5 && w[5] == 0xffff,
		base == 0 && n == 6 && libcEmbedsIPv4(w[6], w[7]),
		base == 0 && n == 7 && libcEmbedsIPv4(w[6], w[7]):
		b = append(b, "::"...)
		if n == 5 {
			b = append(b, "ffff:"...)
		}
		return appendIPv4(b, [4]byte(a[12:]))
	}
	for i := 0; i < 8; i++ {
		if i == base {
			b = append(b, "::"...)
			i += n - 1
			continue
		}
		if i > 0 && i != base+n {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, uint64(w[i]), 16)
	}
	return b
}

// longestZeroRun returns the start and length of the first longest run of
// zero groups; the start is -1 when no run is at least two groups long.
func longestZeroRun(w [8]uint16) (base, n int) {
	base = -1
	for i := 0; i < 8; {
		if w[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && w[j] == 0 {
			j++
		}
		if j-i > n {
			base, n = i, j-i
		}
		i = j
	}
	if n < 2 {
		return -1, 0
	}
	return base, n
}
