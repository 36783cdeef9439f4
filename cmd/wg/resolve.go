// SPDX-License-Identifier: BSD-2-Clause

package main

// This file turns ports and endpoints into numbers the way wg(8) does with
// getaddrinfo(3): numeric forms first (the C library's inet_aton and
// inet_pton, a scope after "%"), a service name from /etc/services, and
// only then a hostname lookup, retried on temporary failures as
// WG_ENDPOINT_RESOLUTION_RETRIES says. The daemon and the kernel only ever
// see numeric endpoints.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// gaiError is a getaddrinfo(3) failure code (EAI_*).
type gaiError int

// The getaddrinfo failures wg(8) can report.
const (
	eaiAgain gaiError = iota + 1
	eaiFail
	eaiNoName
	eaiNoData
	eaiService
)

// String returns gai_strerror(3)'s text for the code: glibc's on Linux,
// FreeBSD libc's elsewhere.
func (g gaiError) String() string {
	bsd := runtime.GOOS != "linux"
	switch g {
	case eaiAgain:
		return "Temporary failure in name resolution"
	case eaiFail:
		return "Non-recoverable failure in name resolution"
	case eaiNoName:
		if bsd {
			return "hostname nor servname provided, or not known"
		}
		return "Name or service not known"
	case eaiNoData:
		return "No address associated with hostname"
	case eaiService:
		if bsd {
			return "servname not supported for ai_socktype"
		}
		return "Servname not supported for ai_socktype"
	}
	return "Unknown error"
}

// permanent reports whether wg(8) gives up at once on the failure instead
// of retrying it.
func (g gaiError) permanent() bool {
	return g == eaiNoName || g == eaiFail || g == eaiNoData
}

// servicesFile is the services database getaddrinfo reads service names
// from.
const servicesFile = "/etc/services"

// The retry schedule of endpoint resolution, in microseconds: the first
// wait and the largest; each wait is 6/5 of the one before.
const (
	firstRetryWait = 1000000
	maxRetryWait   = 20000000
)

// defaultRetries is the number of retries when
// WG_ENDPOINT_RESOLUTION_RETRIES is not set.
const defaultRetries = 15

// resolver resolves the ports and endpoints of one command.
type resolver struct {
	// lookupHost returns the addresses of a hostname.
	lookupHost func(host string) ([]net.IPAddr, error)
	// sourceFor returns the source address the system would use to reach
	// a destination, or false when it has no route there; nil leaves a
	// hostname's addresses in the order lookupHost returned them.
	sourceFor func(dst net.IPAddr) (netip.Addr, bool)
	// interfaceIndex returns the index of the named network interface.
	interfaceIndex func(name string) (int, error)
	// sleep waits between resolution attempts.
	sleep func(time.Duration)
	// lookupEnv reads WG_ENDPOINT_RESOLUTION_RETRIES and whether it is
	// set.
	lookupEnv func(string) (string, bool)
	// services is the path of the services database.
	services string
	// warn receives the retry messages.
	warn io.Writer
}

// newResolver returns a resolver using the system's resolver, interfaces
// and clock, reading the environment through getenv and printing retry
// messages to warn.
func newResolver(lookupEnv func(string) (string, bool), warn io.Writer) *resolver {
	return &resolver{
		lookupHost: func(host string) ([]net.IPAddr, error) {
			return net.DefaultResolver.LookupIPAddr(context.Background(), host)
		},
		interfaceIndex: func(name string) (int, error) {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return 0, err
			}
			return ifi.Index, nil
		},
		sourceFor: routeSource,
		sleep:     time.Sleep,
		lookupEnv: lookupEnv,
		services:  servicesFile,
		warn:      warn,
	}
}

// parseListenPort parses a listen port as getaddrinfo(NULL, value) does
// for a passive UDP socket: a decimal number or a service name. Unlike
// glibc it does not wrap numbers above 65535 around.
func (r *resolver) parseListenPort(value string) (uint16, error) {
	if value == "" {
		return 0, wgError("Unable to parse empty port")
	}
	port, ok := r.lookupService(value)
	if !ok {
		return 0, wgErrorf("%s: `%s'", eaiService, value)
	}
	return port, nil
}

// lookupService resolves the service part of a getaddrinfo call for UDP.
func (r *resolver) lookupService(s string) (uint16, bool) {
	if v, numeric, ok := parseServiceNumber(s); numeric {
		return v, ok
	}
	return lookupServiceName(r.services, s)
}

// parseServiceNumber parses s as strtoul(3) in base 10 would, requiring it
// to consume the whole string: optional leading white space, an optional
// sign, digits. numeric reports whether s has that form at all; ok whether
// its value is a port (0..65535; a minus sign only before zero).
func parseServiceNumber(s string) (v uint16, numeric, ok bool) {
	s = strings.TrimLeft(s, cSpaces)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || !allDigits(s) {
		return 0, false, false
	}
	s = strings.TrimLeft(s, "0")
	if len(s) > 5 {
		return 0, true, false
	}
	n, _ := strconv.Atoi("0" + s)
	if n > math.MaxUint16 || (neg && n != 0) {
		return 0, true, false
	}
	return uint16(n), true, true
}

// lookupServiceName finds a UDP service by its name or an alias in the
// services database at path, as the C library's files backend does: case
// sensitive, first match wins.
func lookupServiceName(path, name string) (uint16, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		num, proto, found := strings.Cut(fields[1], "/")
		if !found || proto != "udp" {
			continue
		}
		port, err := strconv.ParseUint(num, 10, 16)
		if err != nil {
			continue
		}
		for _, n := range append(fields[:1:1], fields[2:]...) {
			if n == name {
				return uint16(port), true
			}
		}
	}
	return 0, false
}

// parseEndpoint parses and resolves an endpoint as wg(8) does: "[host]:port"
// or "host:port" split at the last colon, then getaddrinfo on host and
// port, retried on temporary failures.
func (r *resolver) parseEndpoint(value string) (ifwg.Endpoint, error) {
	retries, err := r.retries()
	if err != nil {
		return ifwg.Endpoint{}, err
	}
	host, port, err := splitEndpoint(value)
	if err != nil {
		return ifwg.Endpoint{}, err
	}
	wait := int64(firstRetryWait)
	for attempt := 0; ; attempt++ {
		ep, gerr := r.resolve(host, port)
		if gerr == 0 {
			return ep, nil
		}
		if gerr.permanent() || (retries >= 0 && attempt >= retries) {
			return ifwg.Endpoint{}, wgErrorf("%s: `%s'", gerr, value)
		}
		fmt.Fprintf(r.warn, "%s: `%s'. Trying again in %.2f seconds...\n", gerr, value, float64(wait)/1e6)
		r.sleep(time.Duration(wait) * time.Microsecond)
		wait = min(wait*6/5, maxRetryWait)
	}
}

// replyResolver returns the resolver of UAPI get reply endpoints for e's
// environment.
func (e *env) replyResolver() ifwg.EndpointResolver {
	return newResolver(e.lookup, e.stderr).replyEndpoint
}

// replyEndpoint resolves the endpoint of a UAPI get reply whose host or
// port is not numeric (an ifwg.EndpointResolver): one getaddrinfo
// attempt, without the retries of a configured endpoint, as wg(8) makes it
// when it reads the reply (ipc-uapi.h).
func (r *resolver) replyEndpoint(host, port string) (ifwg.Endpoint, error) {
	ep, gerr := r.resolve(host, port)
	if gerr != 0 {
		return ifwg.Endpoint{}, errors.New(gerr.String())
	}
	return ep, nil
}

// retries returns the number of retries WG_ENDPOINT_RESOLUTION_RETRIES
// asks for, -1 meaning forever. The value is parsed as strtol(3) would,
// whole, within 0..INT_MAX, or is "infinity". Unset means the default; set
// but empty means 0, as strtol(3) reads it.
func (r *resolver) retries() (int, error) {
	const name = "WG_ENDPOINT_RESOLUTION_RETRIES"
	v, ok := r.lookupEnv(name)
	switch {
	case !ok:
		return defaultRetries, nil
	case v == "":
		return 0, nil
	case v == "infinity":
		return -1, nil
	}
	s := strings.TrimLeft(v, cSpaces)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil || !allDigits(s) || (neg && n != 0) {
		return 0, wgErrorf("Unable to parse %s: `%s'", name, v)
	}
	return int(n), nil
}

// splitEndpoint splits an endpoint into host and port as wg(8) does.
func splitEndpoint(value string) (host, port string, err error) {
	if value == "" {
		return "", "", wgError("Unable to parse empty endpoint")
	}
	if rest, ok := strings.CutPrefix(value, "["); ok {
		h, after, found := strings.Cut(rest, "]")
		if !found {
			return "", "", wgErrorf("Unable to find matching brace of endpoint: `%s'", value)
		}
		p, found := strings.CutPrefix(after, ":")
		if !found || p == "" {
			return "", "", wgErrorf("Unable to find port of endpoint: `%s'", value)
		}
		return h, p, nil
	}
	i := strings.LastIndexByte(value, ':')
	if i < 0 || i == len(value)-1 {
		return "", "", wgErrorf("Unable to find port of endpoint: `%s'", value)
	}
	return value[:i], value[i+1:], nil
}

// resolve is one getaddrinfo(host, port) attempt for UDP; it returns the
// first address found, or the failure.
func (r *resolver) resolve(host, port string) (ifwg.Endpoint, gaiError) {
	p, ok := r.lookupService(port)
	if !ok {
		return ifwg.Endpoint{}, eaiService
	}
	if a, ok := parseInetAton(host); ok {
		return ifwg.Endpoint{Addr: a, Port: p}, 0
	}
	if strings.Contains(host, ":") {
		a, scope, ok := r.parseScopedIPv6(host)
		if !ok {
			return ifwg.Endpoint{}, eaiNoName
		}
		return ifwg.Endpoint{Addr: a, Port: p, ScopeID: scope}, 0
	}
	return r.resolveName(host, p)
}

// resolveName looks a hostname up and returns its first address.
func (r *resolver) resolveName(host string, port uint16) (ifwg.Endpoint, gaiError) {
	if host == "" {
		return ifwg.Endpoint{}, eaiNoName
	}
	addrs, err := r.lookupHost(host)
	if err != nil {
		return ifwg.Endpoint{}, gaiErrorOf(err)
	}
	if len(addrs) == 0 {
		return ifwg.Endpoint{}, eaiNoName
	}
	if r.sourceFor != nil {
		r.sortDestinations(addrs)
	}
	first := addrs[0]
	if v4 := first.IP.To4(); v4 != nil {
		return ifwg.Endpoint{Addr: netip.AddrFrom4([4]byte(v4)), Port: port}, 0
	}
	a, ok := netip.AddrFromSlice(first.IP)
	if !ok {
		return ifwg.Endpoint{}, eaiFail
	}
	ep := ifwg.Endpoint{Addr: a, Port: port}
	if first.Zone != "" {
		if ep.ScopeID, ok = r.scopeID(a, first.Zone); !ok {
			return ifwg.Endpoint{}, eaiNoName
		}
	}
	return ep, 0
}

// gaiErrorOf maps a failed lookup to the getaddrinfo code the C library
// would have returned.
func gaiErrorOf(err error) gaiError {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsNotFound:
			return eaiNoName
		case dnsErr.IsTemporary, dnsErr.IsTimeout:
			return eaiAgain
		}
		return eaiFail
	}
	return eaiAgain
}

// parseScopedIPv6 parses an IPv6 address with an optional "%scope" as
// getaddrinfo does for a numeric host.
func (r *resolver) parseScopedIPv6(s string) (netip.Addr, uint32, bool) {
	addr, zone, hasZone := strings.Cut(s, "%")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, 0, false
	}
	if !hasZone {
		return a, 0, true
	}
	scope, ok := r.scopeID(a, zone)
	return a, scope, ok
}

// scopeID turns the zone of an IPv6 address into a scope as the C library
// does: an interface name for link-local unicast, link-local multicast and
// interface-local multicast addresses, otherwise (or when no interface has
// that name) a decimal number.
func (r *resolver) scopeID(a netip.Addr, zone string) (uint32, bool) {
	if zone == "" {
		return 0, false
	}
	if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		if idx, err := r.interfaceIndex(zone); err == nil && idx > 0 && uint64(idx) <= math.MaxUint32 {
			return uint32(idx), true
		}
	}
	if !allDigits(zone) {
		return 0, false
	}
	n, err := strconv.ParseUint(zone, 10, 32)
	return uint32(n), err == nil
}

// parseInetAton parses an IPv4 address in every form inet_aton(3) accepts
// (one to four parts, each decimal, octal with a leading 0 or hexadecimal
// with 0x, the last part filling the remaining bytes), with nothing after
// it, as getaddrinfo does for a numeric host.
func parseInetAton(s string) (netip.Addr, bool) {
	var parts []uint64
	for {
		v, rest, ok := parseAtonPart(s)
		if !ok {
			return netip.Addr{}, false
		}
		parts = append(parts, v)
		if rest == "" {
			break
		}
		if rest[0] != '.' || len(parts) == 4 {
			return netip.Addr{}, false
		}
		s = rest[1:]
	}
	return atonAddr(parts)
}

// parseAtonPart parses one number of an inet_aton address and returns the
// text after it.
func parseAtonPart(s string) (uint64, string, bool) {
	if s == "" || !isDigit(s[0]) {
		return 0, "", false
	}
	base, i := uint64(10), 0
	if s[0] == '0' {
		base, i = 8, 1
		if len(s) > 1 && (s[1] == 'x' || s[1] == 'X') {
			base, i = 16, 2
		}
	}
	var v uint64
	digits := i == 1
	for ; i < len(s); i++ {
		d, ok := digitValue(s[i], base)
		if !ok {
			break
		}
		v = v*base + d
		if v > math.MaxUint32 {
			return 0, "", false
		}
		digits = true
	}
	return v, s[i:], digits
}

// digitValue returns the value of c as a digit in base 8, 10 or 16.
func digitValue(c byte, base uint64) (uint64, bool) {
	var d uint64
	switch {
	case isDigit(c):
		d = uint64(c - '0')
	case base == 16 && c >= 'a' && c <= 'f':
		d = uint64(c-'a') + 10
	case base == 16 && c >= 'A' && c <= 'F':
		d = uint64(c-'A') + 10
	default:
		return 0, false
	}
	return d, d < base
}

// atonAddr assembles the parts of an inet_aton address: every part but the
// last is one byte, the last fills the rest.
func atonAddr(parts []uint64) (netip.Addr, bool) {
	last := len(parts) - 1
	var v uint64
	for _, p := range parts[:last] {
		if p > 0xff {
			return netip.Addr{}, false
		}
		v = v<<8 | p
	}
	restBits := uint(8 * (4 - last))
	if parts[last] >= 1<<restBits {
		return netip.Addr{}, false
	}
	v = v<<restBits | parts[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// routeSource finds the source address of a route to dst by connecting a
// UDP socket, which sends nothing.
func routeSource(dst net.IPAddr) (netip.Addr, bool) {
	c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: dst.IP, Zone: dst.Zone, Port: 9})
	if err != nil {
		return netip.Addr{}, false
	}
	defer c.Close()
	src, ok := netip.AddrFromSlice(c.LocalAddr().(*net.UDPAddr).IP)
	return src, ok
}

// addrPolicy is one entry of the RFC 6724 default policy table.
type addrPolicy struct {
	prefix            netip.Prefix
	precedence, label int
}

// rfc6724Policy is RFC 6724's default policy table, longest prefixes
// first. FreeBSD's libc takes the kernel's table, which is this one when
// IPv6 is configured.
var rfc6724Policy = []addrPolicy{
	{netip.MustParsePrefix("::1/128"), 50, 0},
	{netip.MustParsePrefix("::ffff:0:0/96"), 35, 4},
	{netip.MustParsePrefix("::/96"), 1, 3},
	{netip.MustParsePrefix("2001::/32"), 5, 5},
	{netip.MustParsePrefix("2002::/16"), 30, 2},
	{netip.MustParsePrefix("3ffe::/16"), 1, 12},
	{netip.MustParsePrefix("fec0::/10"), 1, 11},
	{netip.MustParsePrefix("fc00::/7"), 3, 13},
	{netip.MustParsePrefix("::/0"), 40, 1},
}

// glibcPolicy is glibc's built-in table (RFC 3484's precedences with a
// few more labels), used without /etc/gai.conf: unlike RFC 6724 it puts
// unique local IPv6 addresses before IPv4.
var glibcPolicy = []addrPolicy{
	{netip.MustParsePrefix("::1/128"), 50, 0},
	{netip.MustParsePrefix("::ffff:0:0/96"), 10, 4},
	{netip.MustParsePrefix("::/96"), 20, 3},
	{netip.MustParsePrefix("2001::/32"), 40, 7},
	{netip.MustParsePrefix("2002::/16"), 30, 2},
	{netip.MustParsePrefix("fec0::/10"), 40, 5},
	{netip.MustParsePrefix("fc00::/7"), 40, 6},
	{netip.MustParsePrefix("::/0"), 40, 1},
}

// policyTable is the host C library's default policy table.
var policyTable = func() []addrPolicy {
	if runtime.GOOS == "linux" {
		return glibcPolicy
	}
	return rfc6724Policy
}()

// policyOf returns the precedence and label of an address, IPv4 taken as
// IPv4-mapped IPv6.
func policyOf(a netip.Addr) (precedence, label int) {
	a16 := netip.AddrFrom16(a.As16())
	for _, p := range policyTable {
		if p.prefix.Contains(a16) {
			return p.precedence, p.label
		}
	}
	return 40, 1
}

// addrScope returns the RFC 6724 scope of an address: 2 for link-local
// (IPv4 loopback and 169.254/16 included, as RFC 6724 maps them), 5 for
// site-local, 14 for global, a multicast address's own scope.
func addrScope(a netip.Addr) int {
	a = a.Unmap()
	switch {
	case a.Is4() && (a.IsLoopback() || a.IsLinkLocalUnicast()):
		return 2
	case a.Is4():
		return 14
	case a.IsMulticast():
		return int(a.As16()[1] & 0xf)
	case a.IsLoopback() || a.IsLinkLocalUnicast():
		return 2
	case netip.MustParsePrefix("fec0::/10").Contains(a):
		return 5
	}
	return 14
}

// destination is a hostname's address with what sorting it needs.
type destination struct {
	addr      net.IPAddr
	dst, src  netip.Addr
	reachable bool
}

// sortDestinations orders a hostname's addresses as getaddrinfo does, by
// RFC 6724's destination address selection with the C library's default
// policy table: reachable ones first, then
// matching scope, matching label, higher precedence, smaller scope and,
// among IPv6 addresses, the longest prefix shared with the source;
// otherwise the order is kept.
func (r *resolver) sortDestinations(addrs []net.IPAddr) {
	ds := make([]destination, len(addrs))
	for i, a := range addrs {
		ds[i].addr = a
		ds[i].dst, _ = netip.AddrFromSlice(a.IP)
		ds[i].dst = ds[i].dst.Unmap()
		ds[i].src, ds[i].reachable = r.sourceFor(a)
		ds[i].src = ds[i].src.Unmap()
	}
	slices.SortStableFunc(ds, compareDestinations)
	for i := range ds {
		addrs[i] = ds[i].addr
	}
}

// compareDestinations returns -1 when a is preferred to b by RFC 6724's
// rules 1, 2, 5, 6, 8 and 9, 1 when b is, 0 otherwise.
func compareDestinations(a, b destination) int {
	if a.reachable != b.reachable {
		return preferIf(a.reachable)
	}
	if !a.reachable {
		return 0
	}
	aScope, bScope := addrScope(a.dst), addrScope(b.dst)
	if am, bm := aScope == addrScope(a.src), bScope == addrScope(b.src); am != bm {
		return preferIf(am)
	}
	aPrec, aLabel := policyOf(a.dst)
	bPrec, bLabel := policyOf(b.dst)
	_, aSrcLabel := policyOf(a.src)
	_, bSrcLabel := policyOf(b.src)
	if am, bm := aLabel == aSrcLabel, bLabel == bSrcLabel; am != bm {
		return preferIf(am)
	}
	if aPrec != bPrec {
		return preferIf(aPrec > bPrec)
	}
	if aScope != bScope {
		return preferIf(aScope < bScope)
	}
	if a.dst.Is6() && b.dst.Is6() {
		if al, bl := commonPrefixLen(a.dst, a.src), commonPrefixLen(b.dst, b.src); al != bl {
			return preferIf(al > bl)
		}
	}
	return 0
}

// preferIf returns -1 when the first of two destinations is preferred,
// else 1.
func preferIf(first bool) int {
	if first {
		return -1
	}
	return 1
}

// commonPrefixLen returns the number of leading bits two addresses share,
// counted over at most the 64-bit prefix, as RFC 6724 rule 9 does.
func commonPrefixLen(a, b netip.Addr) int {
	if a.BitLen() != b.BitLen() {
		return 0
	}
	ab, bb := a.AsSlice(), b.AsSlice()
	n := 0
	for i := 0; i < len(ab) && i < 8; i++ {
		x := ab[i] ^ bb[i]
		if x == 0 {
			n += 8
			continue
		}
		for x&0x80 == 0 {
			n++
			x <<= 1
		}
		break
	}
	return n
}
