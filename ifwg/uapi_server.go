// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// uapiUnknownErrno is the errno wireguard-go reports for a failure that
// carries none; it sends the same number on every platform.
const uapiUnknownErrno = 55

// UAPIOpKind names one kind of line in a UAPI "set" request.
type UAPIOpKind uint8

// The kinds of set lines, in the order wg(8) sends them. The semantics
// given are wireguard-go's, which a server applies line by line as it
// reads them; a failure stops the request and keeps what was applied.
const (
	// UAPIPrivateKey (private_key) replaces the private key; the zero key
	// removes it. wireguard-go and if_wg clamp a non-zero key before
	// storing it. A peer whose public key equals the new public key is
	// removed.
	UAPIPrivateKey UAPIOpKind = iota + 1
	// UAPIListenPort (listen_port) changes the port, 0 letting the system
	// choose, and rebinds at once if the interface is up; a bind failure
	// is EADDRINUSE.
	UAPIListenPort
	// UAPIFwMark (fwmark) changes the fwmark (FreeBSD: user-cookie), 0
	// turning it off; a failure to apply it is EADDRINUSE.
	UAPIFwMark
	// UAPIReplacePeers (replace_peers=true) removes every peer at once.
	UAPIReplacePeers
	// UAPIPeer (public_key) finishes the previous peer and selects the
	// peer named by Key, creating it when it is missing (EINVAL when no
	// more can be created). A key equal to the interface's own public key
	// selects a throw-away peer: the lines up to the next UAPIPeer are
	// checked but change nothing.
	UAPIPeer
	// UAPIUpdateOnly (update_only=true) deletes the selected peer again
	// when its UAPIPeer line has just created it; the rest of its lines
	// then change nothing.
	UAPIUpdateOnly
	// UAPIRemove (remove=true) removes the selected peer; the rest of its
	// lines change nothing.
	UAPIRemove
	// UAPIPresharedKey (preshared_key) replaces the preshared key; the
	// zero key removes it.
	UAPIPresharedKey
	// UAPIEndpoint (endpoint) replaces the endpoint.
	UAPIEndpoint
	// UAPIKeepalive (persistent_keepalive_interval) changes the keepalive
	// interval in seconds, 0 turning it off. Turning it on for an
	// interface that is up sends a keepalive when the peer is finished.
	UAPIKeepalive
	// UAPIReplaceAllowedIPs (replace_allowed_ips=true) removes the peer's
	// allowed IPs at once.
	UAPIReplaceAllowedIPs
	// UAPIAllowedIP (allowed_ip) adds AllowedIP.Prefix to the peer,
	// taking it from any other peer, or with AllowedIP.Remove
	// ("allowed_ip=-prefix") removes it if the peer has it. The prefix is
	// as sent; the server masks it.
	UAPIAllowedIP
	// UAPIProtocolVersion (protocol_version=1) changes nothing.
	UAPIProtocolVersion
)

// uapiOpNames are the wire keys of the kinds.
var uapiOpNames = [...]string{
	UAPIPrivateKey:        uapiPrivateKey,
	UAPIListenPort:        uapiListenPort,
	UAPIFwMark:            uapiFwMark,
	UAPIReplacePeers:      uapiReplacePeers,
	UAPIPeer:              uapiPublicKey,
	UAPIUpdateOnly:        uapiUpdateOnly,
	UAPIRemove:            uapiRemove,
	UAPIPresharedKey:      uapiPresharedKey,
	UAPIEndpoint:          uapiEndpoint,
	UAPIKeepalive:         uapiKeepalive,
	UAPIReplaceAllowedIPs: uapiReplaceAllowedIPs,
	UAPIAllowedIP:         uapiAllowedIP,
	UAPIProtocolVersion:   uapiProtocolVersion,
}

// String returns the kind's key as the protocol spells it.
func (k UAPIOpKind) String() string {
	if int(k) < len(uapiOpNames) && uapiOpNames[k] != "" {
		return uapiOpNames[k]
	}
	return "UAPIOpKind(" + strconv.Itoa(int(k)) + ")"
}

// UAPISetOp is one checked line of a UAPI "set" request. Which fields
// count depends on Kind: Key for UAPIPrivateKey, UAPIPeer and
// UAPIPresharedKey; Number for UAPIListenPort, UAPIFwMark and
// UAPIKeepalive; Endpoint for UAPIEndpoint; AllowedIP for UAPIAllowedIP.
type UAPISetOp struct {
	Kind      UAPIOpKind
	Key       Key
	Number    uint32
	Endpoint  Endpoint
	AllowedIP AllowedIP
}

// String returns the line as "key=value" with keys' values left out, so
// that an operation can be logged.
func (op UAPISetOp) String() string {
	v := uapiTrue
	switch op.Kind {
	case UAPIPrivateKey, UAPIPeer, UAPIPresharedKey:
		v = "(hidden)"
	case UAPIListenPort, UAPIFwMark, UAPIKeepalive:
		v = strconv.FormatUint(uint64(op.Number), 10)
	case UAPIEndpoint:
		v = formatUAPIEndpoint(op.Endpoint, false)
	case UAPIAllowedIP:
		v = op.AllowedIP.Prefix.String()
		if op.AllowedIP.Remove {
			v = "-" + v
		}
	case UAPIProtocolVersion:
		v = "1"
	}
	return op.Kind.String() + "=" + v
}

// UAPISetDecoder reads the lines of one UAPI "set" request, after its
// "set=1" line, and checks each as wireguard-go does, so that a server
// can apply them one by one in order.
type UAPISetDecoder struct {
	r      *bufio.Reader
	buf    []byte
	inPeer bool  // a public_key line was seen
	err    error // sticky: io.EOF at the end, or the failure
}

// NewUAPISetDecoder returns a decoder reading from r. When r is a
// *bufio.Reader the decoder reads exactly up to the end of the request,
// so that the next request can be read from r; otherwise it wraps r and
// may read past it.
func NewUAPISetDecoder(r io.Reader) *UAPISetDecoder {
	return &UAPISetDecoder{r: uapiBufReader(r)}
}

// Next returns the next operation of the request. It returns io.EOF at
// the end of the request: an empty line, or the end of input (after a last
// line without a newline, which counts). A line is read only when Next is
// called and at most 64 KiB of it is held; a trailing carriage return is
// dropped, and a line that is only a carriage return ends the request.
//
// The errors are *SetError values carrying the errno a server replies
// with (negated on the wire): EPROTO for a line without "="; EINVAL for an
// unknown key, an interface key after the first public_key, a peer key
// before it, or a malformed value (keys are 64 hex digits of either case,
// numbers plain decimal within their range, booleans only "true",
// endpoints numeric "a.b.c.d:port" or "[v6%zone]:port" with a zone that is
// an index or an existing interface's name, allowed IPs "prefix/len" or
// "-prefix/len", protocol_version only 1); EIO for a line over 64 KiB or a
// read failure. Once Next has returned an error it returns the same error
// again.
func (d *UAPISetDecoder) Next() (UAPISetOp, error) {
	if d.err != nil {
		return UAPISetOp{}, d.err
	}
	op, err := d.next()
	if err != nil {
		d.err = err
		return UAPISetOp{}, err
	}
	return op, nil
}

// next reads and checks one line.
func (d *UAPISetDecoder) next() (UAPISetOp, error) {
	line, err := readUAPILine(d.r, d.buf)
	if err != nil && !errors.Is(err, io.EOF) {
		return UAPISetOp{}, SetErrorf(syscall.EIO, "failed to read set request: %v", err)
	}
	if err == nil {
		d.buf = line[:0]
	}
	line = dropCR(line)
	if len(line) == 0 {
		return UAPISetOp{}, io.EOF
	}
	if err != nil {
		// The last line had no newline; what follows it is the end.
		d.err = io.EOF
	}
	key, value, ok := strings.Cut(string(line), "=")
	if !ok {
		return UAPISetOp{}, SetErrorf(syscall.EPROTO, "set request line without '='")
	}
	if key == uapiPublicKey {
		d.inPeer = true
		k, err := parseUAPISetKey(key, value)
		return UAPISetOp{Kind: UAPIPeer, Key: k}, err
	}
	if d.inPeer {
		return parseUAPISetPeerLine(key, value)
	}
	return parseUAPISetDeviceLine(key, value)
}

// dropCR removes one trailing carriage return.
func dropCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// Ops returns an iterator over the operations Next returns, in order. It
// ends at the end of the request (io.EOF, which it does not yield) or
// after the first other error, which it yields with a zero UAPISetOp.
func (d *UAPISetDecoder) Ops() iter.Seq2[UAPISetOp, error] {
	return func(yield func(UAPISetOp, error) bool) {
		for {
			op, err := d.Next()
			switch {
			case errors.Is(err, io.EOF):
				return
			case err != nil:
				yield(UAPISetOp{}, err)
				return
			}
			if !yield(op, nil) {
				return
			}
		}
	}
}

// parseUAPISetDeviceLine checks an interface line of a set request.
func parseUAPISetDeviceLine(key, value string) (UAPISetOp, error) {
	var op UAPISetOp
	var err error
	switch key {
	case uapiPrivateKey:
		op.Kind = UAPIPrivateKey
		op.Key, err = parseUAPISetKey(key, value)
	case uapiListenPort:
		op.Kind = UAPIListenPort
		op.Number, err = parseUAPISetUint(key, value, 16)
	case uapiFwMark:
		op.Kind = UAPIFwMark
		op.Number, err = parseUAPISetUint(key, value, 32)
	case uapiReplacePeers:
		op.Kind = UAPIReplacePeers
		err = parseUAPISetTrue(key, value)
	default:
		return UAPISetOp{}, SetErrorf(syscall.EINVAL, "invalid uapi device key %q", uapiClip(key))
	}
	return op, err
}

// parseUAPISetPeerLine checks a peer line of a set request, other than
// public_key.
func parseUAPISetPeerLine(key, value string) (UAPISetOp, error) {
	var op UAPISetOp
	var err error
	switch key {
	case uapiUpdateOnly:
		op.Kind = UAPIUpdateOnly
		err = parseUAPISetTrue(key, value)
	case uapiRemove:
		op.Kind = UAPIRemove
		err = parseUAPISetTrue(key, value)
	case uapiReplaceAllowedIPs:
		op.Kind = UAPIReplaceAllowedIPs
		err = parseUAPISetTrue(key, value)
	case uapiPresharedKey:
		op.Kind = UAPIPresharedKey
		op.Key, err = parseUAPISetKey(key, value)
	case uapiEndpoint:
		op.Kind = UAPIEndpoint
		op.Endpoint, err = parseUAPISetEndpoint(value)
	case uapiKeepalive:
		op.Kind = UAPIKeepalive
		op.Number, err = parseUAPISetUint(key, value, 16)
	case uapiAllowedIP:
		op.Kind = UAPIAllowedIP
		op.AllowedIP, err = parseUAPISetAllowedIP(value)
	case uapiProtocolVersion:
		op.Kind = UAPIProtocolVersion
		if value != "1" {
			err = SetErrorf(syscall.EINVAL, "invalid protocol version %q", uapiClip(value))
		}
	default:
		return UAPISetOp{}, SetErrorf(syscall.EINVAL, "invalid uapi peer key %q", uapiClip(key))
	}
	return op, err
}

// parseUAPISetKey parses 64 hexadecimal digits of either case. The value
// never appears in the error.
func parseUAPISetKey(key, value string) (Key, error) {
	k, err := ParseHexKey(value)
	if err != nil {
		return Key{}, SetErrorf(syscall.EINVAL, "invalid %s", key)
	}
	return k, nil
}

// parseUAPISetUint parses a decimal number of the given bit size.
func parseUAPISetUint(key, value string, bits int) (uint32, error) {
	v, err := strconv.ParseUint(value, 10, bits)
	if err != nil {
		return 0, SetErrorf(syscall.EINVAL, "invalid %s %q", key, uapiClip(value))
	}
	return uint32(v), nil
}

// parseUAPISetTrue accepts only "true".
func parseUAPISetTrue(key, value string) error {
	if value != uapiTrue {
		return SetErrorf(syscall.EINVAL, "invalid %s value %q", key, uapiClip(value))
	}
	return nil
}

// parseUAPISetEndpoint parses a numeric endpoint as netip.ParseAddrPort
// does and turns its zone into a scope.
func parseUAPISetEndpoint(value string) (Endpoint, error) {
	ap, err := netip.ParseAddrPort(value)
	if err != nil {
		return Endpoint{}, SetErrorf(syscall.EINVAL, "invalid endpoint %q", uapiClip(value))
	}
	e, err := uapiEndpointOf(ap.Addr(), ap.Port())
	if err != nil {
		return Endpoint{}, SetErrorf(syscall.EINVAL, "invalid endpoint: %v", err)
	}
	return e, nil
}

// parseUAPISetAllowedIP parses "prefix/len" or "-prefix/len".
func parseUAPISetAllowedIP(value string) (AllowedIP, error) {
	var a AllowedIP
	value, a.Remove = strings.CutPrefix(value, "-")
	p, err := netip.ParsePrefix(value)
	if err != nil {
		return AllowedIP{}, SetErrorf(syscall.EINVAL, "invalid allowed ip %q", uapiClip(value))
	}
	a.Prefix = p
	return a, nil
}

// ParseUAPISet reads one UAPI "set" request, after its "set=1" line, and
// folds its operations into a Config: the last value of each interface
// key; replace_peers; per public_key line a PeerConfig, in order (a key
// sent twice gives two); a peer's remove ends what counts of its lines;
// replace_allowed_ips drops the allowed IPs sent before it.
//
// The result is exact for requests in the order wg(8) and wgctrl send.
// For others a Config cannot say everything wireguard-go does: lines sent
// before remove, update_only or replace_allowed_ips are applied by
// wireguard-go first (an allowed IP taken from another peer stays taken),
// and the interface's own public key makes a peer's lines change nothing.
// A server that must match wireguard-go exactly applies the operations of
// a UAPISetDecoder itself. ParseUAPISet holds the whole request in memory
// and returns the decoder's first error.
func ParseUAPISet(r io.Reader) (*Config, error) {
	d := NewUAPISetDecoder(r)
	c := &Config{}
	removed := false
	for op, err := range d.Ops() {
		if err != nil {
			return nil, err
		}
		if op.Kind == UAPIPeer {
			c.Peers = append(c.Peers, PeerConfig{PublicKey: op.Key})
			removed = false
			continue
		}
		if len(c.Peers) == 0 {
			foldUAPIDeviceOp(c, op)
		} else if !removed {
			removed = foldUAPIPeerOp(&c.Peers[len(c.Peers)-1], op)
		}
	}
	return c, nil
}

// foldUAPIDeviceOp applies an interface operation to c.
func foldUAPIDeviceOp(c *Config, op UAPISetOp) {
	switch op.Kind {
	case UAPIPrivateKey:
		c.PrivateKey = Ptr(op.Key)
	case UAPIListenPort:
		c.ListenPort = Ptr(uint16(op.Number))
	case UAPIFwMark:
		c.FwMark = Ptr(op.Number)
	case UAPIReplacePeers:
		c.ReplacePeers = true
	}
}

// foldUAPIPeerOp applies a peer operation to p and reports whether it
// removed the peer.
func foldUAPIPeerOp(p *PeerConfig, op UAPISetOp) bool {
	switch op.Kind {
	case UAPIRemove:
		*p = PeerConfig{PublicKey: p.PublicKey, Remove: true}
		return true
	case UAPIUpdateOnly:
		p.UpdateOnly = true
	case UAPIPresharedKey:
		p.PresharedKey = Ptr(op.Key)
	case UAPIEndpoint:
		p.Endpoint = Ptr(op.Endpoint)
	case UAPIKeepalive:
		p.PersistentKeepalive = Ptr(uint16(op.Number))
	case UAPIReplaceAllowedIPs:
		p.ReplaceAllowedIPs = true
		p.AllowedIPs = nil
	case UAPIAllowedIP:
		p.AllowedIPs = append(p.AllowedIPs, op.AllowedIP)
	}
	return false
}

// MarshalUAPIGetReply returns the whole reply to a UAPI "get" for d, in
// wireguard-go's order and format, ending with "errno=0" and the empty
// line: private_key (when set and not zero), listen_port and fwmark (when
// not zero); per peer public_key, preshared_key (zeros when none),
// protocol_version=1, endpoint (when it has an address),
// last_handshake_time_sec and _nsec, tx_bytes, rx_bytes,
// persistent_keepalive_interval, and one allowed_ip per prefix, masked.
// d's public key is not sent (clients derive it), nor its name. A negative
// handshake time is sent as 0, which no client would parse otherwise.
func MarshalUAPIGetReply(d *Device) []byte {
	var b []byte
	if d.PrivateKey != nil && !d.PrivateKey.IsZero() {
		b = appendUAPIKey(b, uapiPrivateKey, *d.PrivateKey)
	}
	if d.ListenPort != 0 {
		b = appendUAPIUint(b, uapiListenPort, uint64(d.ListenPort))
	}
	if d.FwMark != 0 {
		b = appendUAPIUint(b, uapiFwMark, uint64(d.FwMark))
	}
	for i := range d.Peers {
		b = appendUAPIGetPeer(b, &d.Peers[i])
	}
	return append(b, uapiErrno+"=0\n\n"...)
}

// appendUAPIGetPeer appends the lines of one peer of a get reply.
func appendUAPIGetPeer(b []byte, p *Peer) []byte {
	b = appendUAPIKey(b, uapiPublicKey, p.PublicKey)
	var psk Key
	if p.PresharedKey != nil {
		psk = *p.PresharedKey
	}
	b = appendUAPIKey(b, uapiPresharedKey, psk)
	b = appendUAPILine(b, uapiProtocolVersion, "1")
	if p.Endpoint.IsValid() {
		b = appendUAPILine(b, uapiEndpoint, formatUAPIEndpoint(p.Endpoint, false))
	}
	b = appendUAPIUint(b, uapiHandshakeSec, uint64(max(p.LastHandshake.Sec, 0)))
	b = appendUAPIUint(b, uapiHandshakeNsec, uint64(max(p.LastHandshake.Nsec, 0)))
	b = appendUAPIUint(b, uapiTxBytes, p.TxBytes)
	b = appendUAPIUint(b, uapiRxBytes, p.RxBytes)
	b = appendUAPIUint(b, uapiKeepalive, uint64(p.PersistentKeepalive))
	for _, pfx := range p.AllowedIPs {
		b = appendUAPILine(b, uapiAllowedIP, pfx.Masked().String())
	}
	return b
}

// MarshalUAPIErrno returns the status that ends a UAPI reply: "errno=0"
// for a nil err, otherwise the negated errno err carries (through
// errors.As, so *SetError, *Errno and syscall.Errno all count), or -55
// like wireguard-go when it carries none; then the empty line.
func MarshalUAPIErrno(err error) []byte {
	n := int64(0)
	if err != nil {
		n = uapiUnknownErrno
		if en := errnoOf(err); en != 0 {
			n = int64(en)
		}
	}
	return fmt.Appendf(nil, "%s=%d\n\n", uapiErrno, -n)
}

// UAPIHandler is the interface a UAPI server drives.
type UAPIHandler interface {
	// UAPIGet returns the interface's state for a get reply.
	UAPIGet() (*Device, error)
	// UAPISet applies one set request, taking its operations from d in
	// order until d returns io.EOF, and returns the first failure (d's or
	// its own). It may stop reading early.
	UAPISet(d *UAPISetDecoder) error
}

// errUAPIOperation reports a request line other than get=1 or set=1.
var errUAPIOperation = errors.New("invalid uapi operation")

// ServeUAPI serves UAPI requests read from r and answers them on w, one
// after another, as wireguard-go does on one connection, until the input
// ends (which returns nil), a write fails, or a request opens with
// anything other than "get=1" or "set=1" (which returns an error: the
// caller closes the connection without an answer, as wireguard-go does).
// "get=1" must be followed at once by the empty line, else the answer is
// -EINVAL. Each reply is written in one Write, as wgctrl requires. After a
// failed set, what is left of that request is read as the next request,
// so the connection normally ends there, again as with wireguard-go.
// Requests may be sent without waiting for replies.
func ServeUAPI(r *bufio.Reader, w io.Writer, h UAPIHandler) error {
	var buf []byte
	for {
		line, err := readUAPILine(r, buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("failed to read uapi request: %w", err)
		}
		buf = line[:0]
		var reply []byte
		switch string(line) {
		case uapiGetLine:
			reply = serveUAPIGet(r, h)
		case uapiSetLine:
			reply = MarshalUAPIErrno(h.UAPISet(NewUAPISetDecoder(r)))
		default:
			return errUAPIOperation
		}
		if reply == nil {
			return nil
		}
		if _, err := w.Write(reply); err != nil {
			return fmt.Errorf("failed to write uapi reply: %w", err)
		}
	}
}

// serveUAPIGet answers a get request whose first line has been read; nil
// means the input ended.
func serveUAPIGet(r *bufio.Reader, h UAPIHandler) []byte {
	c, err := r.ReadByte()
	if err != nil {
		return nil
	}
	if c != '\n' {
		return MarshalUAPIErrno(SetErrorf(syscall.EINVAL, "trailing character in uapi get"))
	}
	d, err := h.UAPIGet()
	if err != nil {
		return MarshalUAPIErrno(err)
	}
	return MarshalUAPIGetReply(d)
}
