// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/wgbsd/wgbsd/ifwg"
)

// The ways a configuration file is applied.
const (
	// applySet replaces the whole configuration (setconf).
	applySet = iota
	// applyAdd adds what the file says (addconf).
	applyAdd
	// applySync makes the interface match the file, keeping the sessions
	// of peers that stay (syncconf).
	applySync
)

// cmdSetconf replaces an interface's configuration with a file's:
// `wg setconf <interface> <configuration filename>`.
func cmdSetconf(e *env, args []string) int { return runConf(e, args, applySet) }

// cmdAddconf adds a file's configuration to an interface's:
// `wg addconf <interface> <configuration filename>`.
func cmdAddconf(e *env, args []string) int { return runConf(e, args, applyAdd) }

// cmdSyncconf makes an interface's configuration match a file's without
// disturbing unchanged peers: `wg syncconf <interface> <configuration filename>`.
func cmdSyncconf(e *env, args []string) int { return runConf(e, args, applySync) }

// runConf is setconf, addconf or syncconf.
func runConf(e *env, args []string, mode int) int {
	if len(args) != 3 {
		fmt.Fprintf(e.stderr, "Usage: %s %s <interface> <configuration filename>\n", e.prog, args[0])
		return 1
	}
	cfg, ok := readConfigFile(e, args[2])
	if !ok {
		return 1
	}
	name := args[1]
	if mode != applyAdd {
		forceDeviceValues(cfg)
	}
	if mode == applySync && len(cfg.Peers) > 0 {
		if !syncPeers(e, name, cfg) {
			return 1
		}
	}
	return configure(e, name, cfg)
}

// readConfigFile opens and parses a configuration file, reporting
// failures as wg(8) does.
func readConfigFile(e *env, path string) (*ifwg.Config, bool) {
	f, err := e.openFile(path)
	if err != nil {
		fmt.Fprintf(e.stderr, "fopen: %s\n", strerror(err))
		return nil, false
	}
	defer f.Close()
	cfg, err := parseConfig(f, newResolver(e.lookup, e.stderr))
	switch {
	case errors.Is(err, errMissingPublicKey):
		fmt.Fprintf(e.stderr, "%s\nInvalid configuration\n", err)
		return nil, false
	case err != nil:
		fmt.Fprintf(e.stderr, "%s\nConfiguration parsing error\n", err)
		return nil, false
	}
	return cfg, true
}

// forceDeviceValues makes cfg a full replacement, as setconf and syncconf
// send it: the interface values the file leaves out are reset (no private
// key, a random port, no fwmark) and every peer is replaced.
func forceDeviceValues(cfg *ifwg.Config) {
	if cfg.PrivateKey == nil {
		cfg.PrivateKey = &ifwg.Key{}
	}
	if cfg.ListenPort == nil {
		cfg.ListenPort = ifwg.Ptr[uint16](0)
	}
	if cfg.FwMark == nil {
		cfg.FwMark = ifwg.Ptr[uint32](0)
	}
	cfg.ReplacePeers = true
}

// syncPeers turns a full replacement into the smallest change when the
// interface already has peers: instead of replacing every peer it removes
// the running peers the file does not have (in descending key order, ahead
// of the file's peers), and clears a preshared key or keepalive that the
// file no longer sets.
func syncPeers(e *env, name string, cfg *ifwg.Config) bool {
	b, err := e.backend()
	var dev *ifwg.Device
	if err == nil {
		dev, err = b.Device(name)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "Unable to retrieve current interface configuration: %s\n", strerror(err))
		return false
	}
	if len(dev.Peers) == 0 {
		return true
	}
	cfg.ReplacePeers = false
	running := make(map[ifwg.Key]*ifwg.Peer, len(dev.Peers))
	for i := range dev.Peers {
		running[dev.Peers[i].PublicKey] = &dev.Peers[i]
	}
	inFile := make(map[ifwg.Key]bool, len(cfg.Peers))
	for i := range cfg.Peers {
		p := &cfg.Peers[i]
		inFile[p.PublicKey] = true
		if old := running[p.PublicKey]; old != nil {
			clearDropped(p, old)
		}
	}
	cfg.Peers = append(removedPeers(dev.Peers, inFile), cfg.Peers...)
	return true
}

// clearDropped sets, on a peer of the file, an explicit zero preshared
// key or keepalive where the running peer has one and the file has none.
func clearDropped(p *ifwg.PeerConfig, old *ifwg.Peer) {
	if p.PresharedKey == nil && old.PresharedKey != nil && !old.PresharedKey.IsZero() {
		p.PresharedKey = &ifwg.Key{}
	}
	if p.PersistentKeepalive == nil && old.PersistentKeepalive != 0 {
		p.PersistentKeepalive = ifwg.Ptr[uint16](0)
	}
}

// removedPeers returns removal entries for the running peers missing from
// the file, in descending order of their keys' bytes.
func removedPeers(peers []ifwg.Peer, inFile map[ifwg.Key]bool) []ifwg.PeerConfig {
	var out []ifwg.PeerConfig
	for _, p := range peers {
		if !inFile[p.PublicKey] {
			out = append(out, ifwg.PeerConfig{PublicKey: p.PublicKey, Remove: true})
		}
	}
	slices.SortStableFunc(out, func(a, b ifwg.PeerConfig) int {
		return bytes.Compare(b.PublicKey[:], a.PublicKey[:])
	})
	return out
}
