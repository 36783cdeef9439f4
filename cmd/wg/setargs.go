// SPDX-License-Identifier: BSD-2-Clause

package main

// This file parses the words of `wg set` after the interface name into a
// Config, validating every value (reading key files and resolving
// endpoints) before anything is sent.

import (
	"bufio"
	"errors"
	"io"

	"github.com/wgbsd/wgbsd/ifwg"
)

// openFunc opens a file for reading, as fopen(path, "r") would.
type openFunc func(path string) (io.ReadCloser, error)

// setParser is the state of `wg set` arguments being parsed.
type setParser struct {
	res  *resolver
	open openFunc
	cfg  ifwg.Config
	// incremental records, per peer, whether an allowed-ips entry carried
	// a "+" or "-", which turns replacing off for the peer.
	incremental []bool
}

// parseSetArgs parses the words of `wg set` that follow the interface
// name, left to right: listen-port, fwmark and private-key before the
// first peer, then "peer <key>" followed by that peer's options. Key files
// are read with open; endpoints and ports resolved through res. The
// error's text is wg(8)'s message for the first problem.
func parseSetArgs(words []string, res *resolver, open openFunc) (*ifwg.Config, error) {
	p := &setParser{res: res, open: open}
	for len(words) > 0 {
		n, err := p.step(words)
		if err != nil {
			return nil, err
		}
		words = words[n:]
	}
	return &p.cfg, nil
}

// peer returns the peer the last "peer" word started, or nil.
func (p *setParser) peer() *ifwg.PeerConfig {
	if len(p.cfg.Peers) == 0 {
		return nil
	}
	return &p.cfg.Peers[len(p.cfg.Peers)-1]
}

// step interprets the keyword at words[0] and its value, and returns how
// many words it used.
func (p *setParser) step(words []string) (int, error) {
	w := words[0]
	hasValue := len(words) > 1
	inPeer := p.peer() != nil
	var err error
	switch {
	case w == "peer" && hasValue:
		err = p.startPeer(words[1])
	case w == "remove" && inPeer:
		p.peer().Remove = true
		return 1, nil
	case hasValue && !inPeer && (w == "listen-port" || w == "fwmark" || w == "private-key"):
		err = p.deviceValue(w, words[1])
	case hasValue && inPeer && (w == "endpoint" || w == "allowed-ips" ||
		w == "persistent-keepalive" || w == "preshared-key"):
		err = p.peerValue(w, words[1])
	default:
		return 0, wgErrorf("Invalid argument: %s", w)
	}
	return 2, err
}

// startPeer begins a new peer named by the base64 key text.
func (p *setParser) startPeer(text string) error {
	k, err := parseKeyText(text)
	if err != nil {
		return err
	}
	p.cfg.Peers = append(p.cfg.Peers, ifwg.PeerConfig{PublicKey: k})
	p.incremental = append(p.incremental, false)
	return nil
}

// deviceValue parses the value of an interface keyword.
func (p *setParser) deviceValue(keyword, v string) error {
	switch keyword {
	case "listen-port":
		port, err := p.res.parseListenPort(v)
		p.cfg.ListenPort = &port
		return err
	case "fwmark":
		mark, err := parseFwmark(v)
		p.cfg.FwMark = &mark
		return err
	default:
		k, err := readKeyFile(p.open, v)
		p.cfg.PrivateKey = &k
		return err
	}
}

// peerValue parses the value of a peer keyword.
func (p *setParser) peerValue(keyword, v string) error {
	peer := p.peer()
	switch keyword {
	case "endpoint":
		ep, err := p.res.parseEndpoint(v)
		peer.Endpoint = &ep
		return err
	case "persistent-keepalive":
		ka, err := parseKeepalive(v)
		peer.PersistentKeepalive = &ka
		return err
	case "preshared-key":
		k, err := readKeyFile(p.open, v)
		peer.PresharedKey = &k
		return err
	default:
		return p.allowedIPs(v)
	}
}

// allowedIPs adds an allowed-ips list to the current peer. Unless an
// entry of the peer carried a sign, the peer's list is replaced.
func (p *setParser) allowedIPs(v string) error {
	ips, incremental, err := parseAllowedIPs(removeSpaces(v), p.res.warn)
	if err != nil {
		return err
	}
	i := len(p.cfg.Peers) - 1
	peer := &p.cfg.Peers[i]
	p.incremental[i] = p.incremental[i] || incremental
	peer.ReplaceAllowedIPs = !p.incremental[i]
	peer.AllowedIPs = append(peer.AllowedIPs, ips...)
	return nil
}

// readKeyFile reads a key from a file as wg(8) does: exactly 44 bytes of
// base64 text, then nothing but white space. An empty file (such as
// /dev/null) gives the zero key, which removes a key; an empty pipe does
// not, since wg(8) recognises an empty file by its position being 0, and
// a pipe has none.
func readKeyFile(open openFunc, path string) (ifwg.Key, error) {
	f, err := open(path)
	if err != nil {
		return ifwg.Key{}, wgErrorf("fopen: %s", strerror(err))
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var text [ifwg.KeyTextLen]byte
	n, err := io.ReadFull(br, text[:])
	if n == 0 && errors.Is(err, io.EOF) && atStart(f) {
		return ifwg.Key{}, nil
	}
	if n < ifwg.KeyTextLen {
		return ifwg.Key{}, wgError("Invalid length key in key file")
	}
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ifwg.Key{}, wgErrorf("getc: %s", strerror(err))
		}
		if !isCSpace(c) {
			return ifwg.Key{}, wgError("Found trailing character in key file: `" + string([]byte{c}) + "'")
		}
	}
	return parseKeyText(string(text[:]))
}

// atStart reports whether f can tell its position and it is 0, as
// ftell(3) returning 0.
func atStart(f io.Reader) bool {
	s, ok := f.(io.Seeker)
	if !ok {
		return false
	}
	pos, err := s.Seek(0, io.SeekCurrent)
	return err == nil && pos == 0
}
