// SPDX-License-Identifier: BSD-2-Clause

package main

// wg showconf: the running configuration in the configuration file
// format, for use with setconf.

import (
	"fmt"
	"strconv"

	"github.com/wgbsd/wgbsd/ifwg"
)

// cmdShowconf is wg showconf. args[0] is the subcommand's name.
func cmdShowconf(e *env, args []string) int {
	if len(args) != 2 {
		fmt.Fprintf(e.stderr, "Usage: %s %s <interface>\n", e.prog, args[0])
		return 1
	}
	d, err := getDevice(e, args[1])
	if err != nil {
		fmt.Fprintf(e.stderr, "Unable to access interface: %s\n", strerror(err))
		return 1
	}
	o := &output{w: e.stdout}
	writeConf(o, d)
	o.flush()
	return 0
}

// writeConf appends the configuration of d: the [Interface] section with
// ListenPort, FwMark and PrivateKey when set and a blank line, then one
// [Peer] section per peer in the backend's order, separated by blank
// lines. The interface's public key is not part of it. Keys are written
// as they are, even a zero private key.
func writeConf(o *output, d *ifwg.Device) {
	o.str("[Interface]")
	o.endLine()
	if d.ListenPort != 0 {
		o.str("ListenPort = ", strconv.FormatUint(uint64(d.ListenPort), 10))
		o.endLine()
	}
	if d.FwMark != 0 {
		o.str("FwMark = ", fwmarkText(d.FwMark))
		o.endLine()
	}
	if d.PrivateKey != nil {
		o.str("PrivateKey = ", d.PrivateKey.String())
		o.endLine()
	}
	o.endLine()
	for i := range d.Peers {
		writeConfPeer(o, &d.Peers[i])
		if i+1 < len(d.Peers) {
			o.endLine()
		}
	}
}

// writeConfPeer appends one [Peer] section.
func writeConfPeer(o *output, p *ifwg.Peer) {
	o.str("[Peer]")
	o.endLine()
	o.str("PublicKey = ", p.PublicKey.String())
	o.endLine()
	if hasPSK(p) {
		o.str("PresharedKey = ", p.PresharedKey.String())
		o.endLine()
	}
	if len(p.AllowedIPs) > 0 {
		o.str("AllowedIPs = ")
		o.allowedIPs(p, ", ")
		o.endLine()
	}
	if p.Endpoint.IsValid() {
		o.str("Endpoint = ")
		o.endpoint(p)
		o.endLine()
	}
	if p.PersistentKeepalive != 0 {
		o.str("PersistentKeepalive = ", strconv.FormatUint(uint64(p.PersistentKeepalive), 10))
		o.endLine()
	}
}
