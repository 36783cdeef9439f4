// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// UAPIGetRequest is the whole UAPI "get" request: the operation line and
// the empty line that ends it.
const UAPIGetRequest = uapiGetLine + "\n\n"

// MarshalUAPISet returns the UAPI "set" request for c, byte for byte as
// wg(8) writes it: "set=1", then private_key, listen_port, fwmark and
// replace_peers=true; then per peer public_key followed either by
// remove=true alone or by preshared_key, endpoint,
// persistent_keepalive_interval, replace_allowed_ips=true and one
// allowed_ip per entry ("-" in front of a removal, host bits kept); then
// the empty line. UpdateOnly, which wg(8) never sends, becomes
// update_only=true right after public_key, where the server requires it.
//
// Addresses are written as the C library's inet_ntop writes them (so an
// IPv4-compatible IPv6 address ends in a dotted quad). Endpoints are
// numeric, IPv6 in brackets with the scope as a zone: the interface's name
// when the address is link-local and the index names an interface,
// otherwise the index, as getnameinfo writes it. An endpoint without an
// address is left out. A nil c is the empty request.
func MarshalUAPISet(c *Config) ([]byte, error) {
	b := append([]byte(uapiSetLine), '\n')
	if c == nil {
		return append(b, '\n'), nil
	}
	if c.PrivateKey != nil {
		b = appendUAPIKey(b, uapiPrivateKey, *c.PrivateKey)
	}
	if c.ListenPort != nil {
		b = appendUAPIUint(b, uapiListenPort, uint64(*c.ListenPort))
	}
	if c.FwMark != nil {
		b = appendUAPIUint(b, uapiFwMark, uint64(*c.FwMark))
	}
	if c.ReplacePeers {
		b = appendUAPILine(b, uapiReplacePeers, uapiTrue)
	}
	for i := range c.Peers {
		var err error
		if b, err = appendUAPISetPeer(b, &c.Peers[i]); err != nil {
			return nil, fmt.Errorf("peer %d: %w", i, err)
		}
	}
	return append(b, '\n'), nil
}

// appendUAPISetPeer appends the lines of one peer of a set request.
func appendUAPISetPeer(b []byte, p *PeerConfig) ([]byte, error) {
	b = appendUAPIKey(b, uapiPublicKey, p.PublicKey)
	if p.Remove {
		return appendUAPILine(b, uapiRemove, uapiTrue), nil
	}
	if p.UpdateOnly {
		b = appendUAPILine(b, uapiUpdateOnly, uapiTrue)
	}
	if p.PresharedKey != nil {
		b = appendUAPIKey(b, uapiPresharedKey, *p.PresharedKey)
	}
	if p.Endpoint != nil && p.Endpoint.IsValid() {
		b = appendUAPILine(b, uapiEndpoint, formatUAPIEndpoint(*p.Endpoint, true))
	}
	if p.PersistentKeepalive != nil {
		b = appendUAPIUint(b, uapiKeepalive, uint64(*p.PersistentKeepalive))
	}
	if p.ReplaceAllowedIPs {
		b = appendUAPILine(b, uapiReplaceAllowedIPs, uapiTrue)
	}
	for _, a := range p.AllowedIPs {
		if !a.Prefix.IsValid() {
			return nil, fmt.Errorf("invalid allowed IP %v", a.Prefix)
		}
		b = append(b, uapiAllowedIP+"="...)
		if a.Remove {
			b = append(b, '-')
		}
		b = appendUAPIPrefix(b, a.Prefix)
		b = append(b, '\n')
	}
	return b, nil
}

// ParseUAPIGetReply reads the reply to a UAPI "get" up to and including
// the empty line that ends it, and interprets it as wg(8) does.
//
// The reply must carry "errno=0" (the last errno line counts); "errno=N"
// with N > 0 gives an *Errno for "get" with N. A reply without an errno
// line, a negative or malformed errno, a line without "=", a malformed
// value of a known key, a line over 64 KiB or input that ends before the
// empty line gives an error matching ErrUAPIProtocol. Unknown keys are
// ignored, and so are interface keys after the first public_key and peer
// keys before it.
//
// Numbers are plain decimal digits; a protocol_version that is not one is
// ignored, as wg(8) does not read the key. The interface's public key is
// derived from private_key whenever that line is present, even an all-zero
// one, which wg(8) shows as a key too. A preshared_key line gives a
// pointer to the key, the zero key meaning the peer has none; a reply
// without the line leaves PresharedKey nil. Endpoints are "[host]:port" or
// "host:port" split at the last colon; a numeric IPv6 host may carry a
// zone, an interface index or an existing interface's name. Other hosts
// and ports are refused as a protocol error, never looked up (a
// UAPIBackend with ResolveEndpoint resolves them, as wg(8) does). An
// allowed_ip must carry its prefix length. The Device's Name is left
// empty.
func ParseUAPIGetReply(r io.Reader) (*Device, error) {
	return parseUAPIGetReply(r, nil)
}

// EndpointResolver resolves the endpoint of a get reply whose host is not
// a numeric address (or carries an interface-name zone) or whose port is
// not a decimal number, as wg(8) resolves every such endpoint with
// getaddrinfo(3) for UDP, taking the first address. It is given the host
// (without brackets) and the port as the reply splits them.
type EndpointResolver func(host, port string) (Endpoint, error)

// parseUAPIGetReply is ParseUAPIGetReply handing the endpoints it cannot
// take as they are to resolve; a nil resolve refuses them.
func parseUAPIGetReply(r io.Reader, resolve EndpointResolver) (*Device, error) {
	br := uapiBufReader(r)
	p := uapiGetParser{dev: &Device{}, errno: -1, resolve: resolve}
	var long []byte
	for {
		line, err := readUAPILineInPlace(br, &long)
		if err != nil {
			return nil, uapiReplyReadErr(err)
		}
		if len(line) == 0 {
			return p.finish()
		}
		// The parser keeps nothing of the text it is given (keys become
		// arrays, addresses netip values, error texts copies), so the
		// line is looked at where it lies, without a copy.
		key, value, ok := strings.Cut(unsafe.String(unsafe.SliceData(line), len(line)), "=")
		if !ok {
			return nil, uapiProtocolErr("get reply line without '='")
		}
		if err := p.line(key, value); err != nil {
			return nil, err
		}
	}
}

// readUAPILineInPlace is readUAPILine returning, when it can, the line
// inside r's buffer: valid only until the next read from r. A line longer
// than r's buffer is assembled in *long.
func readUAPILineInPlace(r *bufio.Reader, long *[]byte) ([]byte, error) {
	frag, err := r.ReadSlice('\n')
	switch {
	case len(frag) > maxUAPILine:
		return nil, errUAPILineTooLong
	case err == nil:
		return frag[:len(frag)-1], nil
	case !errors.Is(err, bufio.ErrBufferFull):
		return frag, err
	}
	buf := append((*long)[:0], frag...)
	for {
		frag, err := r.ReadSlice('\n')
		if len(buf)+len(frag) > maxUAPILine {
			return nil, errUAPILineTooLong
		}
		buf = append(buf, frag...)
		*long = buf
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return buf, err
		}
	}
}

// uapiReplyReadErr turns a failure to read a reply line into the error a
// client returns.
func uapiReplyReadErr(err error) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return uapiProtocolErr("reply ended before its empty line")
	case errors.Is(err, errUAPILineTooLong):
		return uapiProtocolErr("reply line longer than %d bytes", maxUAPILine)
	}
	return fmt.Errorf("failed to read uapi reply: %w", err)
}

// uapiGetParser holds the state of a get reply being parsed.
type uapiGetParser struct {
	dev     *Device
	resolve EndpointResolver
	errno   int64 // -1 while no errno line was seen
	// keys and prefixes are arenas that preshared keys and allowed IPs
	// are carved from, so that a large reply costs few allocations.
	keys      []Key
	prefixes  []netip.Prefix
	peerStart int // index in prefixes of the current peer's first
	// Peers are collected in fixed-size chunks and copied once into
	// Device.Peers at the end, instead of regrowing one slice.
	done  [][]Peer
	cur   []Peer
	count int
}

// peerChunk is the number of peers per chunk.
const peerChunk = 512

// peer returns the peer the last public_key line started, or nil.
func (p *uapiGetParser) peer() *Peer {
	if len(p.cur) == 0 {
		return nil
	}
	return &p.cur[len(p.cur)-1]
}

// addPeer starts a new peer.
func (p *uapiGetParser) addPeer(k Key) {
	if len(p.cur) == cap(p.cur) {
		if p.cur != nil {
			p.done = append(p.done, p.cur)
		}
		// The first chunks grow from 4 peers; the shift stops before
		// it could overflow (from 62 chunks, about 31,000 peers).
		p.cur = make([]Peer, 0, min(peerChunk, 4<<min(len(p.done), 7)))
	}
	p.cur = append(p.cur, Peer{PublicKey: k})
	p.count++
}

// peers returns every peer in order, in one slice.
func (p *uapiGetParser) peers() []Peer {
	if len(p.done) == 0 {
		return p.cur
	}
	all := make([]Peer, 0, p.count)
	for _, c := range p.done {
		all = append(all, c...)
	}
	return append(all, p.cur...)
}

// endPeer gives the current peer the allowed IPs collected for it.
func (p *uapiGetParser) endPeer() {
	if peer := p.peer(); peer != nil && len(p.prefixes) > p.peerStart {
		peer.AllowedIPs = p.prefixes[p.peerStart:len(p.prefixes):len(p.prefixes)]
	}
	p.peerStart = len(p.prefixes)
}

// newKey stores k in the key arena and returns a pointer to it.
func (p *uapiGetParser) newKey(k Key) *Key {
	if len(p.keys) == cap(p.keys) {
		p.keys = make([]Key, 0, min(256, 4+2*p.count))
	}
	p.keys = append(p.keys, k)
	return &p.keys[len(p.keys)-1]
}

// line interprets one key=value line.
func (p *uapiGetParser) line(key, value string) error {
	switch key {
	case uapiErrno:
		n, ok := parseUAPIUint(value, math.MaxInt32)
		if !ok {
			return uapiProtocolErr("invalid errno in get reply")
		}
		p.errno = int64(n)
		return nil
	case uapiPublicKey:
		k, ok := parseHexKey(value)
		if !ok {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		p.endPeer()
		p.addPeer(k)
		return nil
	}
	peer := p.peer()
	if peer == nil {
		return parseUAPIDeviceLine(p.dev, key, value)
	}
	switch key {
	case uapiPresharedKey:
		k, ok := parseHexKey(value)
		if !ok {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		peer.PresharedKey = p.newKey(k)
		return nil
	case uapiAllowedIP:
		pfx, err := parseUAPIReplyPrefix(value)
		if err != nil {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		p.prefixes = append(p.prefixes, pfx)
		return nil
	}
	return parseUAPIPeerLine(peer, key, value, p.resolve)
}

// finish checks the status and completes the device.
func (p *uapiGetParser) finish() (*Device, error) {
	p.endPeer()
	p.dev.Peers = p.peers()
	switch {
	case p.errno < 0:
		return nil, uapiProtocolErr("get reply without errno")
	case p.errno > 0:
		return nil, &Errno{Op: "get", Errno: syscall.Errno(p.errno)}
	}
	if p.dev.PrivateKey != nil {
		p.dev.PublicKey = Ptr(p.dev.PrivateKey.PublicKey())
	}
	return p.dev, nil
}

// parseUAPIDeviceLine interprets an interface key of a get reply; other
// keys are ignored.
func parseUAPIDeviceLine(d *Device, key, value string) error {
	switch key {
	case uapiPrivateKey:
		k, ok := parseHexKey(value)
		if !ok {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		d.PrivateKey = &k
	case uapiListenPort:
		v, ok := parseUAPIUint(value, math.MaxUint16)
		if !ok {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		d.ListenPort = uint16(v)
	case uapiFwMark:
		v, ok := parseUAPIUint(value, math.MaxUint32)
		if !ok {
			return uapiProtocolErr("invalid %s in get reply", key)
		}
		d.FwMark = uint32(v)
	}
	return nil
}

// parseUAPIPeerLine interprets a peer key of a get reply, resolving an
// endpoint with resolve; other keys are ignored.
func parseUAPIPeerLine(p *Peer, key, value string, resolve EndpointResolver) error {
	var err error
	switch key {
	case uapiEndpoint:
		p.Endpoint, err = parseUAPIReplyEndpoint(value, resolve)
		if errors.Is(err, syscall.ENETUNREACH) {
			return err
		}
	case uapiProtocolVersion:
		// wg(8) does not read it, so a value it would not parse is
		// ignored rather than refused.
		if v, ok := parseUAPIUint(value, math.MaxInt32); ok {
			p.ProtocolVersion = int(v)
		}
	default:
		err = parseUAPIPeerNumber(p, key, value)
	}
	if err != nil {
		return uapiProtocolErr("invalid %s in get reply", key)
	}
	return nil
}

// parseUAPIPeerNumber interprets the numeric peer keys of a get reply.
func parseUAPIPeerNumber(p *Peer, key, value string) error {
	var max uint64
	switch key {
	case uapiKeepalive:
		max = math.MaxUint16
	case uapiHandshakeSec, uapiHandshakeNsec:
		max = math.MaxInt64
	case uapiRxBytes, uapiTxBytes:
		max = math.MaxUint64
	default:
		return nil
	}
	v, ok := parseUAPIUint(value, max)
	if !ok {
		return errors.New("invalid number")
	}
	switch key {
	case uapiKeepalive:
		p.PersistentKeepalive = uint16(v)
	case uapiHandshakeSec:
		p.LastHandshake.Sec = int64(v)
	case uapiHandshakeNsec:
		p.LastHandshake.Nsec = int64(v)
	case uapiRxBytes:
		p.RxBytes = v
	case uapiTxBytes:
		p.TxBytes = v
	}
	return nil
}

// parseUAPIReplyEndpoint parses an endpoint as wg(8) splits it: "[host]"
// followed by ":port", or host and port split at the last colon, neither
// empty. A numeric address (an IPv6 one may carry a zone, numeric when
// resolve is given) with a decimal port is taken as it is; anything else
// goes to resolve, a failure of which gives an *Errno with ENETUNREACH.
func parseUAPIReplyEndpoint(s string, resolve EndpointResolver) (Endpoint, error) {
	var host, port string
	if rest, ok := strings.CutPrefix(s, "["); ok {
		var found bool
		if host, port, found = strings.Cut(rest, "]"); !found {
			return Endpoint{}, errors.New("unmatched bracket")
		}
		if port, found = strings.CutPrefix(port, ":"); !found {
			return Endpoint{}, errors.New("no port")
		}
	} else {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			return Endpoint{}, errors.New("no port")
		}
		host, port = s[:i], s[i+1:]
	}
	if port == "" {
		return Endpoint{}, errors.New("no port")
	}
	n, portOK := parseUAPIUint(port, math.MaxUint16)
	a, err := netip.ParseAddr(host)
	// An interface-name zone is for the resolver when there is one: the
	// C library accepts it on link-local addresses only.
	if err == nil && portOK && (resolve == nil || numericZone(a.Zone())) {
		if ep, err := uapiEndpointOf(a, uint16(n)); err == nil || resolve == nil {
			return ep, err
		}
	}
	if resolve == nil {
		if !portOK {
			return Endpoint{}, errors.New("invalid port")
		}
		return Endpoint{}, err
	}
	// The parser's text lies in its read buffer: the resolver gets copies.
	ep, err := resolve(strings.Clone(host), strings.Clone(port))
	if err != nil {
		return Endpoint{}, fmt.Errorf("failed to resolve endpoint %q: %v: %w", uapiClip(s), err,
			&Errno{Op: "get", Errno: syscall.ENETUNREACH})
	}
	return ep, nil
}

// numericZone reports whether an address's zone is empty or a decimal
// scope index.
func numericZone(z string) bool {
	if z == "" {
		return true
	}
	_, err := strconv.ParseUint(z, 10, 32)
	return err == nil
}

// parseUAPIReplyPrefix parses an allowed IP of a get reply: an address
// without a zone, "/", and a decimal prefix length within the family's
// size. Host bits are kept as sent.
func parseUAPIReplyPrefix(s string) (netip.Prefix, error) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return netip.Prefix{}, errors.New("no prefix length")
	}
	a, err := netip.ParseAddr(s[:i])
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errors.New("zone in allowed IP")
	}
	bits, ok := parseUAPIUint(s[i+1:], uint64(a.BitLen()))
	if !ok {
		return netip.Prefix{}, errors.New("invalid prefix length")
	}
	return netip.PrefixFrom(a, int(bits)), nil
}

// ParseUAPISetReply reads the reply to a UAPI "set" up to and including
// the empty line that ends it, and interprets it as wg(8) does: the last
// "errno=" line counts, its value being a signed 32-bit decimal number.
// errno=0 is success; errno=-N gives an *Errno for "set" with N, and a
// positive errno=N one with -N, as wg(8) negates it. A reply without an
// errno line, a malformed errno, a line without
// "=", a line over 64 KiB or input that ends before the empty line gives
// an error matching ErrUAPIProtocol. Other keys are ignored.
func ParseUAPISetReply(r io.Reader) error {
	br := uapiBufReader(r)
	var long []byte
	errno, found := int64(0), false
	for {
		line, err := readUAPILineInPlace(br, &long)
		if err != nil {
			return uapiReplyReadErr(err)
		}
		if len(line) == 0 {
			break
		}
		// Nothing of the line is kept: it is looked at where it lies.
		key, value, ok := strings.Cut(unsafe.String(unsafe.SliceData(line), len(line)), "=")
		if !ok {
			return uapiProtocolErr("set reply line without '='")
		}
		if key != uapiErrno {
			continue
		}
		if errno, ok = parseUAPISignedErrno(value); !ok {
			return uapiProtocolErr("invalid errno in set reply")
		}
		found = true
	}
	switch {
	case !found:
		return uapiProtocolErr("set reply without errno")
	case errno != 0:
		// wg(8) takes the negated value as the errno, so a positive one
		// reads as the unknown negative errno ("Unknown error -22").
		return &Errno{Op: "set", Errno: syscall.Errno(-errno)}
	}
	return nil
}

// parseUAPISignedErrno parses an optionally negative decimal 32-bit
// number; a "+" sign is not accepted.
func parseUAPISignedErrno(s string) (int64, bool) {
	if strings.HasPrefix(s, "+") {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	return n, err == nil
}

// UAPIGetDevice sends a UAPI "get" on an open connection and returns the
// device its reply describes, as ParseUAPIGetReply reads it. The Device's
// Name is left empty.
func UAPIGetDevice(rw io.ReadWriter) (*Device, error) {
	return uapiGetDevice(rw, nil)
}

// uapiGetDevice is UAPIGetDevice resolving endpoints with resolve.
func uapiGetDevice(rw io.ReadWriter, resolve EndpointResolver) (*Device, error) {
	if _, err := io.WriteString(rw, UAPIGetRequest); err != nil {
		return nil, fmt.Errorf("failed to send uapi get: %w", err)
	}
	return parseUAPIGetReply(rw, resolve)
}

// UAPIConfigureDevice sends cfg as a UAPI "set" on an open connection, in
// one write, and returns the outcome its reply reports, as
// ParseUAPISetReply reads it.
func UAPIConfigureDevice(rw io.ReadWriter, cfg *Config) error {
	req, err := MarshalUAPISet(cfg)
	if err != nil {
		return err
	}
	if _, err := rw.Write(req); err != nil {
		return fmt.Errorf("failed to send uapi set: %w", err)
	}
	return ParseUAPISetReply(rw)
}
