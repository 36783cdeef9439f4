// SPDX-License-Identifier: BSD-2-Clause

package main

// wg show: the pretty form, the script-friendly fields, dump and the list
// of interfaces, with wg(8)'s argument rules and exit statuses.

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/wgbsd/wgbsd/ifwg"
)

// showFieldNames are show's fields, in the order of wg(8)'s usage line.
var showFieldNames = []string{
	"public-key", "private-key", "listen-port", "fwmark", "peers", "preshared-keys",
	"endpoints", "allowed-ips", "latest-handshakes", "transfer", "persistent-keepalive", "dump",
}

// fieldPrinter appends the lines of one field of a device; prefix is
// "NAME\t" when several interfaces are shown, else "".
type fieldPrinter func(o *output, d *ifwg.Device, prefix string)

// showFields maps each field name to its printer.
var showFields = map[string]fieldPrinter{
	"public-key":           printPublicKey,
	"private-key":          printPrivateKey,
	"listen-port":          printListenPort,
	"fwmark":               printFwMark,
	"peers":                printPeers,
	"preshared-keys":       printPresharedKeys,
	"endpoints":            printEndpoints,
	"allowed-ips":          printAllowedIPs,
	"latest-handshakes":    printLatestHandshakes,
	"transfer":             printTransfer,
	"persistent-keepalive": printKeepalive,
	"dump":                 printDump,
}

// cmdShow is wg show. args[0] is the subcommand's name.
func cmdShow(e *env, args []string) int {
	if len(args) > 3 {
		showUsage(e, args[0])
		return 1
	}
	var field *string
	if len(args) == 3 {
		field = &args[2]
	}
	switch {
	case len(args) == 1 || args[1] == "all":
		return showAll(e, args[0], field)
	case args[1] == "interfaces":
		if len(args) > 2 {
			showUsage(e, args[0])
			return 1
		}
		return showInterfaces(e)
	case len(args) == 2 && isHelpWord(args[1]):
		// wg(8) prints show's usage to stderr here, yet succeeds.
		showUsage(e, args[0])
		return 0
	}
	return showOne(e, args[0], args[1], field)
}

// isHelpWord reports whether s asks for help.
func isHelpWord(s string) bool { return s == "-h" || s == "--help" || s == "help" }

// showOne prints one interface, pretty or one field.
func showOne(e *env, cmdName, name string, field *string) int {
	d, err := getDevice(e, name)
	if err != nil {
		fmt.Fprintf(e.stderr, "Unable to access interface: %s\n", strerror(err))
		return 1
	}
	name = truncIfName(name)
	if field == nil {
		prettyPrint(e, d, name)
		return 0
	}
	if !printField(e, cmdName, d, name, *field, false) {
		return 1
	}
	return 0
}

// showAll prints every interface. The status is 1 when there are
// interfaces but none could be printed, 0 when at least one was or when
// there are none; a bad field stops at the first interface read.
func showAll(e *env, cmdName string, field *string) int {
	names, ok := listInterfaces(e)
	if !ok {
		return 1
	}
	status := 0
	if len(names) > 0 {
		status = 1
	}
	for i, name := range names {
		d, err := getDevice(e, name)
		if err != nil {
			fmt.Fprintf(e.stderr, "Unable to access interface %s: %s\n", name, strerror(err))
			continue
		}
		if field != nil {
			if !printField(e, cmdName, d, truncIfName(name), *field, true) {
				return 1
			}
		} else {
			prettyPrint(e, d, truncIfName(name))
			if i+1 < len(names) {
				io.WriteString(e.stdout, "\n")
			}
		}
		status = 0
	}
	return status
}

// showInterfaces prints the interfaces' names on one line, nothing at all
// when there are none.
func showInterfaces(e *env) int {
	names, ok := listInterfaces(e)
	if !ok {
		return 1
	}
	var b []byte
	for i, name := range names {
		b = append(b, name...)
		if i+1 < len(names) {
			b = append(b, ' ')
		} else {
			b = append(b, '\n')
		}
	}
	e.stdout.Write(b)
	return 0
}

// listInterfaces lists the interfaces, reporting a failure on stderr.
func listInterfaces(e *env) ([]string, bool) {
	b, err := e.backend()
	var names []string
	if err == nil {
		names, err = b.Interfaces()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Unable to list interfaces: %s\n", strerror(err))
		return nil, false
	}
	return names, true
}

// getDevice reads one interface.
func getDevice(e *env, name string) (*ifwg.Device, error) {
	b, err := e.backend()
	if err != nil {
		return nil, err
	}
	return b.Device(name)
}

// printField prints one field of a device, or reports an unknown field
// with show's usage and returns false.
func printField(e *env, cmdName string, d *ifwg.Device, name, field string, withName bool) bool {
	p, ok := showFields[field]
	if !ok {
		fmt.Fprintf(e.stderr, "Invalid parameter: `%s'\n", field)
		showUsage(e, cmdName)
		return false
	}
	prefix := ""
	if withName {
		prefix = name + "\t"
	}
	o := &output{w: e.stdout}
	p(o, d, prefix)
	o.flush()
	return true
}

// output collects lines and writes them in large pieces.
type output struct {
	w io.Writer
	b []byte
}

// flushAt is the size from which output writes what it has collected.
const flushAt = 32 << 10

// endLine ends a line, writing the collected text once it is large.
func (o *output) endLine() {
	o.b = append(o.b, '\n')
	if len(o.b) >= flushAt {
		o.flush()
	}
}

// flush writes what has been collected. Write errors are ignored, as
// wg(8) ignores them.
func (o *output) flush() {
	if len(o.b) > 0 {
		o.w.Write(o.b)
		o.b = o.b[:0]
	}
}

// str appends strings.
func (o *output) str(ss ...string) {
	for _, s := range ss {
		o.b = append(o.b, s...)
	}
}

// peerLine starts a per-peer line: the prefix, the peer's key and a tab.
func (o *output) peerLine(prefix string, p *ifwg.Peer) {
	o.str(prefix, keyText(p.PublicKey), "\t")
}

// fwmarkText returns a fwmark as "0x%x", or "off" for zero.
func fwmarkText(m uint32) string {
	if m == 0 {
		return "off"
	}
	return "0x" + strconv.FormatUint(uint64(m), 16)
}

// keepaliveText returns a keepalive interval in seconds, or "off".
func keepaliveText(k uint16) string {
	if k == 0 {
		return "off"
	}
	return strconv.FormatUint(uint64(k), 10)
}

// printPublicKey prints the interface's public key.
func printPublicKey(o *output, d *ifwg.Device, prefix string) {
	o.str(prefix, maybeKeyText(d.PublicKey))
	o.endLine()
}

// printPrivateKey prints the interface's private key, whatever
// WG_HIDE_KEYS says.
func printPrivateKey(o *output, d *ifwg.Device, prefix string) {
	o.str(prefix, maybeKeyText(d.PrivateKey))
	o.endLine()
}

// printListenPort prints the port, 0 when none.
func printListenPort(o *output, d *ifwg.Device, prefix string) {
	o.str(prefix, strconv.FormatUint(uint64(d.ListenPort), 10))
	o.endLine()
}

// printFwMark prints the fwmark.
func printFwMark(o *output, d *ifwg.Device, prefix string) {
	o.str(prefix, fwmarkText(d.FwMark))
	o.endLine()
}

// printPeers prints one public key per line.
func printPeers(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		o.str(prefix, keyText(d.Peers[i].PublicKey))
		o.endLine()
	}
}

// printPresharedKeys prints each peer's preshared key.
func printPresharedKeys(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.str(pskText(p))
		o.endLine()
	}
}

// pskText returns a peer's preshared key, or "(none)".
func pskText(p *ifwg.Peer) string {
	if !hasPSK(p) {
		return noneText
	}
	return p.PresharedKey.String()
}

// printEndpoints prints each peer's endpoint. With several interfaces the
// name starts every line: wireguard-tools v1.0.20210914 printed it once
// per interface, before its peers (so a peerless interface's name ran
// into the next line); v1.0.20250521 fixed that, and this is the fixed
// behaviour.
func printEndpoints(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.endpoint(p)
		o.endLine()
	}
}

// endpoint appends a peer's endpoint, or "(none)".
func (o *output) endpoint(p *ifwg.Peer) {
	if !p.Endpoint.IsValid() {
		o.str(noneText)
		return
	}
	o.b = appendEndpoint(o.b, p.Endpoint)
}

// allowedIPs appends a peer's allowed IPs joined by sep, or "(none)".
func (o *output) allowedIPs(p *ifwg.Peer, sep string) {
	if len(p.AllowedIPs) == 0 {
		o.str(noneText)
		return
	}
	for i, a := range p.AllowedIPs {
		if i > 0 {
			o.str(sep)
		}
		o.b = appendPrefix(o.b, a, "/")
	}
}

// printAllowedIPs prints each peer's allowed IPs, separated by spaces.
func printAllowedIPs(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.allowedIPs(p, " ")
		o.endLine()
	}
}

// printLatestHandshakes prints each peer's handshake in Unix seconds.
func printLatestHandshakes(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.b = strconv.AppendUint(o.b, uint64(p.LastHandshake.Sec), 10)
		o.endLine()
	}
}

// printTransfer prints each peer's received and sent bytes.
func printTransfer(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.b = strconv.AppendUint(o.b, p.RxBytes, 10)
		o.b = append(o.b, '\t')
		o.b = strconv.AppendUint(o.b, p.TxBytes, 10)
		o.endLine()
	}
}

// printKeepalive prints each peer's keepalive interval.
func printKeepalive(o *output, d *ifwg.Device, prefix string) {
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.str(keepaliveText(p.PersistentKeepalive))
		o.endLine()
	}
}

// printDump prints the interface line and one line per peer, every key in
// clear.
func printDump(o *output, d *ifwg.Device, prefix string) {
	o.str(prefix, maybeKeyText(d.PrivateKey), "\t", maybeKeyText(d.PublicKey), "\t")
	o.b = strconv.AppendUint(o.b, uint64(d.ListenPort), 10)
	o.str("\t", fwmarkText(d.FwMark))
	o.endLine()
	for i := range d.Peers {
		p := &d.Peers[i]
		o.peerLine(prefix, p)
		o.str(pskText(p), "\t")
		o.endpoint(p)
		o.b = append(o.b, '\t')
		o.allowedIPs(p, ",")
		o.b = append(o.b, '\t')
		o.b = strconv.AppendUint(o.b, uint64(p.LastHandshake.Sec), 10)
		o.b = append(o.b, '\t')
		o.b = strconv.AppendUint(o.b, p.RxBytes, 10)
		o.b = append(o.b, '\t')
		o.b = strconv.AppendUint(o.b, p.TxBytes, 10)
		o.str("\t", keepaliveText(p.PersistentKeepalive))
		o.endLine()
	}
}

// sortedPeers returns the peers in the pretty form's order: latest
// handshake first, peers without a handshake last, ties in the backend's
// order (wg(8) sorts with glibc's stable qsort).
func sortedPeers(peers []ifwg.Peer) []*ifwg.Peer {
	ps := make([]*ifwg.Peer, len(peers))
	for i := range peers {
		ps[i] = &peers[i]
	}
	slices.SortStableFunc(ps, func(a, b *ifwg.Peer) int {
		ha, hb := a.LastHandshake, b.LastHandshake
		switch {
		case ha.IsZero() != hb.IsZero():
			if ha.IsZero() {
				return 1
			}
			return -1
		case ha.Sec != hb.Sec:
			return compareDesc(ha.Sec, hb.Sec)
		}
		return compareDesc(ha.Nsec, hb.Nsec)
	})
	return ps
}

// compareDesc orders larger values first.
func compareDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// prettyPrint prints one interface in the pretty form, coloured or not.
// Each chunk matches one of wg(8)'s writes (see terminal).
func prettyPrint(e *env, d *ifwg.Device, name string) {
	t := &terminal{w: e.stdout, color: useColor(e)}
	keys := showKeys(e)
	var b []byte
	line := func(parts ...string) {
		b = b[:0]
		for _, s := range parts {
			b = append(b, s...)
		}
		t.chunk(b)
	}
	line(ansiReset)
	line(ansiGreen, ansiBold, "interface", ansiReset, ": ", ansiGreen, name, ansiReset, "\n")
	if d.PublicKey != nil {
		line("  ", ansiBold, "public key", ansiReset, ": ", keyText(*d.PublicKey), "\n")
	}
	if d.PrivateKey != nil {
		line("  ", ansiBold, "private key", ansiReset, ": ", maskedKey(*d.PrivateKey, keys), "\n")
	}
	if d.ListenPort != 0 {
		line("  ", ansiBold, "listening port", ansiReset, ": ", strconv.FormatUint(uint64(d.ListenPort), 10), "\n")
	}
	if d.FwMark != 0 {
		line("  ", ansiBold, "fwmark", ansiReset, ": ", fwmarkText(d.FwMark), "\n")
	}
	if len(d.Peers) == 0 {
		return
	}
	line("\n")
	peers := sortedPeers(d.Peers)
	now := e.now().Unix()
	for i, p := range peers {
		prettyPeer(t, p, keys, now)
		if i+1 < len(peers) {
			line("\n")
		}
	}
}

// maskedKey returns a private or preshared key for the pretty form:
// "(hidden)" unless keys are shown.
func maskedKey(k ifwg.Key, show bool) string {
	if !show {
		return "(hidden)"
	}
	return keyText(k)
}

// prettyPeer prints one peer of the pretty form.
func prettyPeer(t *terminal, p *ifwg.Peer, keys bool, now int64) {
	b := make([]byte, 0, 256)
	label := func(name string) {
		b = append(b[:0], "  "+ansiBold...)
		b = append(b, name...)
		b = append(b, ansiReset+": "...)
	}
	b = append(b, ansiYellow+ansiBold+"peer"+ansiReset+": "+ansiYellow...)
	b = append(b, keyText(p.PublicKey)...)
	t.chunk(append(b, ansiReset+"\n"...))
	if hasPSK(p) {
		label("preshared key")
		b = append(b, maskedKey(*p.PresharedKey, keys)...)
		t.chunk(append(b, '\n'))
	}
	if p.Endpoint.IsValid() {
		label("endpoint")
		b = appendEndpoint(b, p.Endpoint)
		t.chunk(append(b, '\n'))
	}
	label("allowed ips")
	t.chunk(b)
	prettyAllowedIPs(t, p)
	if p.LastHandshake.Sec != 0 {
		label("latest handshake")
		b = appendAgo(b, p.LastHandshake.Sec, now)
		t.chunk(append(b, '\n'))
	}
	if p.RxBytes != 0 || p.TxBytes != 0 {
		label("transfer")
		t.chunk(b)
		t.chunk(append(appendBytes(b[:0], p.RxBytes), " received, "...))
		t.chunk(append(appendBytes(b[:0], p.TxBytes), " sent\n"...))
	}
	if p.PersistentKeepalive != 0 {
		label("persistent keepalive")
		b = append(b, "every "...)
		b = appendSpan(b, uint64(p.PersistentKeepalive))
		t.chunk(append(b, '\n'))
	}
}

// prettyAllowedIPs prints a peer's allowed IPs, one chunk each, the "/" in
// cyan and joined by ", ", or "(none)".
func prettyAllowedIPs(t *terminal, p *ifwg.Peer) {
	if len(p.AllowedIPs) == 0 {
		t.chunk([]byte(noneText + "\n"))
		return
	}
	var b []byte
	for i, a := range p.AllowedIPs {
		b = appendPrefix(b[:0], a, ansiCyan+"/"+ansiReset)
		if i+1 < len(p.AllowedIPs) {
			b = append(b, ", "...)
		} else {
			b = append(b, '\n')
		}
		t.chunk(b)
	}
}
