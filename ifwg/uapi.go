// SPDX-License-Identifier: BSD-2-Clause

package ifwg

// This file holds what both sides of the UAPI text protocol share: the key
// names, line framing, numbers and endpoints. The protocol is the one
// wireguard-go, boringtun and wgd serve on /var/run/wireguard/<if>.sock:
// newline-terminated "key=value" lines, a request opened by "get=1" or
// "set=1" and closed by an empty line, and a reply closed by "errno=N" and
// an empty line. Keys travel as lower-case hexadecimal, numbers as
// decimal, endpoints as numeric host:port.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// The first line of each request.
const (
	uapiGetLine = "get=1"
	uapiSetLine = "set=1"
)

// maxUAPILine bounds one line, newline included. It is the largest line
// wireguard-go's reader accepts in a set request; the client applies the
// same bound to replies.
const maxUAPILine = 64 << 10

// The UAPI key names, as wireguard-go and wg(8) spell them. This is the
// only place they appear.
const (
	// Interface level.
	uapiPrivateKey   = "private_key"
	uapiListenPort   = "listen_port"
	uapiFwMark       = "fwmark"
	uapiReplacePeers = "replace_peers" // set only

	// Peer level.
	uapiPublicKey         = "public_key"
	uapiUpdateOnly        = "update_only" // set only
	uapiRemove            = "remove"      // set only
	uapiPresharedKey      = "preshared_key"
	uapiEndpoint          = "endpoint"
	uapiKeepalive         = "persistent_keepalive_interval"
	uapiReplaceAllowedIPs = "replace_allowed_ips" // set only
	uapiAllowedIP         = "allowed_ip"
	uapiProtocolVersion   = "protocol_version"
	uapiHandshakeSec      = "last_handshake_time_sec"  // get only
	uapiHandshakeNsec     = "last_handshake_time_nsec" // get only
	uapiRxBytes           = "rx_bytes"                 // get only
	uapiTxBytes           = "tx_bytes"                 // get only

	// Reply status.
	uapiErrno = "errno"
)

// uapiTrue is the only value the protocol's booleans take.
const uapiTrue = "true"

// ErrUAPIProtocol reports a UAPI reply that does not follow the protocol:
// no "errno=" line, a line without "=", a value wg(8) would not parse, a
// line longer than 64 KiB, or a connection closed before the empty line
// that ends a reply. wg(8) reports the same cases as EPROTO.
var ErrUAPIProtocol = errors.New("uapi protocol error")

// errUAPILineTooLong reports a line longer than maxUAPILine.
var errUAPILineTooLong = errors.New("uapi line too long")

// uapiProtocolErr returns an error wrapping ErrUAPIProtocol.
func uapiProtocolErr(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrUAPIProtocol)
}

// uapiBufReader returns r as a *bufio.Reader, wrapping it only when it is
// not one already, so that a caller's buffered reader keeps its position.
func uapiBufReader(r io.Reader) *bufio.Reader {
	if br, ok := r.(*bufio.Reader); ok {
		return br
	}
	return bufio.NewReader(r)
}

// readUAPILine reads one line into buf and returns it without its newline.
// At the end of input it returns the unterminated rest (possibly empty)
// with io.EOF. A line longer than maxUAPILine gives errUAPILineTooLong
// after at most maxUAPILine bytes have been read.
func readUAPILine(r *bufio.Reader, buf []byte) ([]byte, error) {
	line, err := readUAPILineInPlace(r, &buf)
	if errors.Is(err, errUAPILineTooLong) {
		return nil, err
	}
	return append(buf[:0], line...), err
}

// appendUAPILine appends "key=value\n".
func appendUAPILine(b []byte, key, value string) []byte {
	b = append(b, key...)
	b = append(b, '=')
	b = append(b, value...)
	return append(b, '\n')
}

// appendUAPIKey appends "key=<64 lower-case hex digits>\n".
func appendUAPIKey(b []byte, key string, k Key) []byte {
	const digits = "0123456789abcdef"
	b = append(b, key...)
	b = append(b, '=')
	for _, c := range k {
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return append(b, '\n')
}

// appendUAPIUint appends "key=<decimal>\n".
func appendUAPIUint(b []byte, key string, v uint64) []byte {
	b = append(b, key...)
	b = append(b, '=')
	b = strconv.AppendUint(b, v, 10)
	return append(b, '\n')
}

// parseUAPIUint parses a reply number as wg(8) does: plain decimal digits,
// no sign, at most max.
func parseUAPIUint(s string, max uint64) (uint64, bool) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		return 0, false
	}
	return v, true
}

// formatUAPIEndpoint returns e as host:port with IPv6 in brackets and the
// scope as a zone. With libc set, IPv6 is written as the C library's
// inet_ntop writes it (the form wg(8) sends: "::1.2.3.4" for an
// IPv4-compatible address); otherwise as Go writes it (the form
// wireguard-go reports).
func formatUAPIEndpoint(e Endpoint, libc bool) string {
	port := strconv.FormatUint(uint64(e.Port), 10)
	if e.Addr.Is4() {
		return e.Addr.String() + ":" + port
	}
	host := uapiIPv6String(e.Addr, libc)
	if z := e.ZoneName(); z != "" {
		host += "%" + z
	}
	return "[" + host + "]:" + port
}

// uapiIPv6String formats an IPv6 address without its zone. The C library
// writes an address whose first 96 bits are zero and whose seventh 16-bit
// group is not, as "::" and a dotted quad; Go writes it in hex groups.
func uapiIPv6String(a netip.Addr, libc bool) string {
	a = a.WithZone("")
	b := a.As16()
	if libc && [12]byte(b[:12]) == [12]byte{} && b[12]|b[13] != 0 {
		return "::" + netip.AddrFrom4([4]byte(b[12:])).String()
	}
	return a.String()
}

// appendUAPIPrefix appends an allowed IP as wg(8) writes it: the address
// as inet_ntop writes it, "/" and the prefix length, host bits kept.
func appendUAPIPrefix(b []byte, p netip.Prefix) []byte {
	a := p.Addr()
	if a.Is4() {
		b = append(b, a.String()...)
	} else {
		b = append(b, uapiIPv6String(a, true)...)
	}
	b = append(b, '/')
	return strconv.AppendInt(b, int64(p.Bits()), 10)
}

// uapiEndpointOf returns the Endpoint of an address and port, turning the
// address's zone into a scope: a decimal zone is the index itself, any
// other must name an existing interface.
func uapiEndpointOf(a netip.Addr, port uint16) (Endpoint, error) {
	e := Endpoint{Addr: a.WithZone(""), Port: port}
	z := a.Zone()
	if z == "" {
		return e, nil
	}
	if id, err := strconv.ParseUint(z, 10, 32); err == nil {
		e.ScopeID = uint32(id)
		return e, nil
	}
	ifi, err := net.InterfaceByName(z)
	if err != nil || ifi.Index <= 0 || uint64(ifi.Index) > 1<<32-1 {
		return Endpoint{}, fmt.Errorf("endpoint zone %q is not an interface", uapiClip(z))
	}
	e.ScopeID = uint32(ifi.Index)
	return e, nil
}

// uapiClip shortens text taken from the wire before it goes into an
// error message.
func uapiClip(s string) string {
	const max = 32
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
