// SPDX-License-Identifier: BSD-2-Clause

package main

// This file parses configuration files (setconf, addconf, syncconf) and
// the values they share with `wg set`, with wg(8)'s rules and error texts.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgbsd/wgbsd/ifwg"
)

// wgError is a failure whose text is exactly what wg(8) prints for it on
// standard error.
type wgError string

// Error returns the text wg(8) prints.
func (e wgError) Error() string { return string(e) }

// wgErrorf returns a wgError with a formatted text.
func wgErrorf(format string, args ...any) error {
	return wgError(fmt.Sprintf(format, args...))
}

// errMissingPublicKey is the configuration error of a [Peer] section
// without PublicKey; wg(8) follows it with "Invalid configuration" rather
// than "Configuration parsing error".
var errMissingPublicKey = wgError("A peer is missing a public key")

// cSpaces are the characters isspace(3) accepts in the C locale.
const cSpaces = " \t\n\v\f\r"

// isCSpace reports whether c is white space for isspace(3).
func isCSpace(c byte) bool { return strings.IndexByte(cSpaces, c) >= 0 }

// isDigit reports whether c is an ASCII decimal digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// allDigits reports whether s is made of ASCII decimal digits only; it is
// true for "".
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// removeSpaces deletes every isspace(3) character from s.
func removeSpaces(s string) string {
	if !strings.ContainsAny(s, cSpaces) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if !isCSpace(s[i]) {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// equalFoldASCII compares two strings ignoring the case of ASCII letters
// only, as strcasecmp(3) does in the C locale.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// lowerASCII lowers an ASCII capital letter.
func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// parseKeyText parses a key written in a configuration file or on the
// command line.
func parseKeyText(s string) (ifwg.Key, error) {
	k, err := ifwg.ParseKey(s)
	if err != nil {
		return ifwg.Key{}, wgErrorf("Key is not the correct length or format: `%s'", s)
	}
	return k, nil
}

// parseFwmark parses a fwmark: "off" in any case, or a decimal number, or
// hexadecimal after "0x", up to 0xffffffff.
func parseFwmark(s string) (uint32, error) {
	if equalFoldASCII(s, "off") {
		return 0, nil
	}
	bad := wgErrorf("Fwmark is neither 0/off nor 0-0xffffffff: `%s'", s)
	if s == "" || !isDigit(s[0]) {
		return 0, bad
	}
	digits, base := s, 10
	if len(s) > 2 && s[:2] == "0x" {
		digits, base = s[2:], 16
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, bad
	}
	return uint32(v), nil
}

// parseKeepalive parses a persistent keepalive interval: "off" in any
// case, or a decimal number up to 65535.
func parseKeepalive(s string) (uint16, error) {
	if equalFoldASCII(s, "off") {
		return 0, nil
	}
	if s != "" && isDigit(s[0]) {
		if v, err := strconv.ParseUint(s, 10, 16); err == nil {
			return uint16(v), nil
		}
	}
	return 0, wgErrorf("Persistent keepalive interval is neither 0/off nor 1-65535: `%s'", s)
}

// parseAllowedIPs parses a comma-separated allowed-IPs list that has no
// white space left in it; the empty list has no entries. Each entry is an
// address with an optional prefix length, optionally preceded by "+"
// (add) or "-" (remove); incremental reports whether any entry had such a
// sign, which makes the whole update incremental. A prefix with host bits
// set is accepted with a warning.
func parseAllowedIPs(list string, warn io.Writer) (ips []ifwg.AllowedIP, incremental bool, err error) {
	if list == "" {
		return nil, false, nil
	}
	for _, item := range strings.Split(list, ",") {
		a, signed, err := parseAllowedIP(item, warn)
		if err != nil {
			return nil, false, err
		}
		ips = append(ips, a)
		incremental = incremental || signed
	}
	return ips, incremental, nil
}

// parseAllowedIP parses one allowed-IPs entry; signed reports a leading
// "+" or "-".
func parseAllowedIP(item string, warn io.Writer) (a ifwg.AllowedIP, signed bool, err error) {
	text := item
	if text != "" && (text[0] == '+' || text[0] == '-') {
		a.Remove, signed = text[0] == '-', true
		text = text[1:]
	}
	ipText, bitsText, hasBits := strings.Cut(text, "/")
	addr, ok := parseAllowedAddr(ipText)
	if !ok {
		return a, false, wgErrorf("Unable to parse IP address: `%s'", ipText)
	}
	bits := addr.BitLen()
	if hasBits {
		n, err := strconv.ParseUint(bitsText, 10, 8)
		if err != nil || bitsText == "" || !isDigit(bitsText[0]) || n > uint64(bits) {
			return a, false, wgErrorf("AllowedIP is not in the correct format: `%s'", item)
		}
		bits = int(n)
	}
	a.Prefix = netip.PrefixFrom(addr, bits)
	if a.Prefix.Masked().Addr() != addr {
		fmt.Fprintf(warn, "Warning: AllowedIP has nonzero host part: %s\n", text)
	}
	return a, signed, nil
}

// parseAllowedAddr parses the address of an allowed IP as inet_pton(3)
// does: IPv6 when it contains a colon, else dotted-quad IPv4.
func parseAllowedAddr(s string) (netip.Addr, bool) {
	if strings.IndexByte(s, '%') >= 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a, a.Is6() == strings.Contains(s, ":")
}

// The sections of a configuration file.
const (
	sectionNone = iota
	sectionInterface
	sectionPeer
)

// configParser holds the state of a configuration file being parsed.
type configParser struct {
	res     *resolver
	cfg     ifwg.Config
	section int
	// hasKey records, per peer, whether a PublicKey line was seen.
	hasKey []bool
}

// parseConfig parses a wg(8) configuration file: [Interface] and [Peer]
// sections of Key = Value lines, '#' comments, white space ignored
// everywhere. The result holds exactly what the file sets: unset values
// are nil, every [Peer] replaces its allowed IPs unless one of its entries
// is signed. Endpoints and service names are resolved through res, which
// also receives warnings. The error's text is wg(8)'s message for the
// first problem; errMissingPublicKey when the text parsed but a peer has
// no key.
func parseConfig(r io.Reader, res *resolver) (*ifwg.Config, error) {
	p := &configParser{res: res}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			break
		}
		if perr := p.line(line); perr != nil {
			return nil, perr
		}
		if err != nil {
			break
		}
	}
	for _, ok := range p.hasKey {
		if !ok {
			return nil, errMissingPublicKey
		}
	}
	return &p.cfg, nil
}

// cleanConfigLine returns a line as wg(8) interprets it: cut at a NUL byte
// (the C string ends there), the comment removed, and every white space
// character deleted.
func cleanConfigLine(line string) string {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return removeSpaces(line)
}

// line interprets one line of the file.
func (p *configParser) line(raw string) error {
	line := cleanConfigLine(raw)
	switch {
	case line == "":
		return nil
	case equalFoldASCII(line, "[Interface]"):
		p.section = sectionInterface
		return nil
	case equalFoldASCII(line, "[Peer]"):
		p.section = sectionPeer
		p.cfg.Peers = append(p.cfg.Peers, ifwg.PeerConfig{ReplaceAllowedIPs: true})
		p.hasKey = append(p.hasKey, false)
		return nil
	}
	var handled bool
	var err error
	switch p.section {
	case sectionInterface:
		handled, err = p.interfaceKey(line)
	case sectionPeer:
		handled, err = p.peerKey(line)
	}
	if !handled {
		return wgErrorf("Line unrecognized: `%s'", line)
	}
	return err
}

// keyValue returns the value of a "Key=Value" line when the line starts
// with key (in any case) and "=", and the value is not empty.
func keyValue(line, key string) (string, bool) {
	n := len(key)
	if len(line) <= n+1 || line[n] != '=' || !equalFoldASCII(line[:n], key) {
		return "", false
	}
	return line[n+1:], true
}

// interfaceKey interprets a line of an [Interface] section; handled is
// false when the line is not one of its keys.
func (p *configParser) interfaceKey(line string) (handled bool, err error) {
	c := &p.cfg
	if v, ok := keyValue(line, "ListenPort"); ok {
		var port uint16
		if port, err = p.res.parseListenPort(v); err == nil {
			c.ListenPort = &port
		}
		return true, err
	}
	if v, ok := keyValue(line, "FwMark"); ok {
		var mark uint32
		if mark, err = parseFwmark(v); err == nil {
			c.FwMark = &mark
		}
		return true, err
	}
	if v, ok := keyValue(line, "PrivateKey"); ok {
		var k ifwg.Key
		if k, err = parseKeyText(v); err == nil {
			c.PrivateKey = &k
		}
		return true, err
	}
	return false, nil
}

// peerKey interprets a line of a [Peer] section; handled is false when
// the line is not one of its keys.
func (p *configParser) peerKey(line string) (handled bool, err error) {
	i := len(p.cfg.Peers) - 1
	peer := &p.cfg.Peers[i]
	for _, key := range []string{"PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive"} {
		v, ok := keyValue(line, key)
		if !ok {
			continue
		}
		if key == "PublicKey" {
			p.hasKey[i] = true
		}
		return true, p.setPeerValue(peer, key, v)
	}
	return false, nil
}

// setPeerValue parses the value of one peer key into peer.
func (p *configParser) setPeerValue(peer *ifwg.PeerConfig, key, v string) error {
	switch key {
	case "PublicKey":
		k, err := parseKeyText(v)
		peer.PublicKey = k
		return err
	case "PresharedKey":
		k, err := parseKeyText(v)
		peer.PresharedKey = &k
		return err
	case "AllowedIPs":
		ips, incremental, err := parseAllowedIPs(v, p.res.warn)
		peer.AllowedIPs = append(peer.AllowedIPs, ips...)
		if incremental {
			peer.ReplaceAllowedIPs = false
		}
		return err
	case "Endpoint":
		ep, err := p.res.parseEndpoint(v)
		peer.Endpoint = &ep
		return err
	default:
		ka, err := parseKeepalive(v)
		peer.PersistentKeepalive = &ka
		return err
	}
}
