// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/nvlist"
)

// This file serves the nvlist framing of docs/control-protocol.md: after
// "nvlist=1\n", requests of a 16-byte header and a payload, each answered
// in order by a reply header and payload, until the client closes the
// connection or breaks the framing.

// errFraming reports a request that breaks the framing; the connection is
// closed without a reply.
var errFraming = errors.New("invalid nvlist request framing")

// errTooLarge reports a request whose payload cannot be skipped; the
// connection is closed after its reply.
var errTooLarge = errors.New("nvlist request payload too large")

// nvRequest is one request's header.
type nvRequest struct {
	cmd  uint32
	size uint64
}

// serveNVList answers nvlist requests read from br on w until the input
// ends (nil) or the connection must close (an error).
func (s *Server) serveNVList(br *bufio.Reader, w io.Writer, priv bool) error {
	for {
		req, err := peekNVRequest(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		en, payload, err := s.nvlistAnswer(br, req, priv)
		if err != nil && !errors.Is(err, errTooLarge) {
			return err
		}
		werr := ifwg.WriteControlReply(w, en, payload)
		clear(payload) // a privileged GET's reply holds keys
		if priv && req.cmd == ifwg.ControlSet && req.size >= largeSet && req.size <= ifwg.MaxControlPayload {
			s.releaseMemory()
		}
		if werr != nil {
			return fmt.Errorf("failed to write reply: %w", werr)
		}
		if err != nil {
			return err
		}
	}
}

// largeSet is the payload size from which a privileged SET, once
// answered, has the daemon return the memory it freed to the system. A
// SET of many peers leaves garbage several times its size (its payload
// and the unpacked nvlist), which the Go runtime would otherwise keep
// until the heap grew into it: loading 100,000 idle peers left 2,846
// bytes of resident memory per peer instead of 1,974 (bench/scale.sh).
// Forcing a collection costs a fraction of what applying such a SET
// does; 1 MiB is a few thousand peers in wg(8)'s encoding.
const largeSet = 1 << 20

// peekNVRequest returns the next request's header without consuming it;
// io.EOF when the client closed the connection between requests.
func peekNVRequest(br *bufio.Reader) (nvRequest, error) {
	hdr, err := br.Peek(ifwg.ControlHeaderLen)
	if err != nil {
		if len(hdr) == 0 && errors.Is(err, io.EOF) {
			return nvRequest{}, io.EOF
		}
		return nvRequest{}, fmt.Errorf("short request header: %w", errFraming)
	}
	if binary.LittleEndian.Uint32(hdr[4:]) != 0 {
		return nvRequest{}, fmt.Errorf("request reserved word not zero: %w", errFraming)
	}
	return nvRequest{
		cmd:  binary.LittleEndian.Uint32(hdr),
		size: binary.LittleEndian.Uint64(hdr[8:]),
	}, nil
}

// nvlistAnswer consumes one request and returns its reply. Privilege is
// checked first, as the kernel's wg_ioctl does. Only a privileged SET's
// payload is held in memory; every other payload is skipped as it
// arrives. A payload larger than MaxControlPayload (0x7fffffff bytes or
// more) is neither read nor skipped: the reply is followed by errTooLarge.
func (s *Server) nvlistAnswer(br *bufio.Reader, req nvRequest, priv bool) (syscall.Errno, []byte, error) {
	en := nvPrecheck(req, priv)
	if req.size > ifwg.MaxControlPayload {
		return en, nil, errTooLarge
	}
	if en == 0 && req.cmd == ifwg.ControlSet {
		_, payload, err := ifwg.ReadControlRequest(br, ifwg.MaxControlPayload)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: %w", errFraming, err)
		}
		return s.wgcSet(payload), nil, nil
	}
	if _, err := br.Discard(ifwg.ControlHeaderLen); err != nil {
		return 0, nil, fmt.Errorf("short request header: %w", errFraming)
	}
	if n, err := io.CopyN(io.Discard, br, int64(req.size)); err != nil {
		return 0, nil, fmt.Errorf("short payload (%d of %d bytes): %w", n, req.size, errFraming)
	}
	if en == 0 && req.cmd == ifwg.ControlGet {
		return s.wgcGet(priv)
	}
	return en, nil, nil
}

// nvPrecheck returns the errno a request gets before its payload matters,
// or 0 for a request to carry out: EPERM for an unprivileged SET, EFAULT
// for an empty SET and E2BIG for one of 0x7fffffff bytes or more, EINVAL
// for a GET with a payload, ENOTTY for an unknown command.
func nvPrecheck(req nvRequest, priv bool) syscall.Errno {
	switch req.cmd {
	case ifwg.ControlSet:
		switch {
		case !priv:
			return syscall.EPERM
		case req.size == 0:
			return syscall.EFAULT
		case req.size > ifwg.MaxControlPayload:
			return syscall.E2BIG
		}
		return 0
	case ifwg.ControlGet:
		if req.size != 0 {
			return syscall.EINVAL
		}
		return 0
	}
	return syscall.ENOTTY
}

// wgcSet carries out a privileged SET: the payload must be a packed
// nvlist (EBADMSG otherwise); it is cleared afterwards, as the kernel
// clears its copy, since it may hold keys.
func (s *Server) wgcSet(payload []byte) syscall.Errno {
	defer clear(payload)
	l, err := nvlist.Unpack(payload)
	if err != nil {
		s.log.verbosef("control: nvlist set: %v", err)
		return syscall.EBADMSG
	}
	err = s.engine.Configure(func(tx Tx) error {
		tx, err := setListenPortFirst(tx, l)
		if err != nil {
			return err
		}
		return ifwg.ApplySet(tx, l)
	})
	if err != nil {
		s.log.verbosef("control: nvlist set: %v", err)
		return errnoOf(err, syscall.ENXIO)
	}
	s.log.verbosef("control: nvlist set applied")
	return 0
}

// setListenPortFirst applies a SET's listen-port before anything else,
// so that a SET that fails on its port (out of range, or taken) has
// changed nothing. The kernel's wgc_set destroys the peers of a
// replace-peers first and leaves them destroyed when the port then fails;
// wgd is deliberately safer. Where the port succeeds the order makes no
// difference: the port and the peers do not touch each other. The Tx
// returned makes ApplySet find the port already set, so that port 0 (the
// system's choice) is not bound twice.
func setListenPortFirst(tx Tx, l *nvlist.List) (Tx, error) {
	v, ok := l.Number(ifwg.NVListenPort)
	if !ok {
		return tx, nil
	}
	if err := ifwg.SetListenPort(tx, v); err != nil {
		return nil, err
	}
	return portSet{Tx: tx, port: uint16(v)}, nil
}

// portSet is a Tx whose listen-port was set already.
type portSet struct {
	Tx
	port uint16
}

// ListenPort returns the port the SET asked for, which is set.
func (t portSet) ListenPort() uint16 { return t.port }

// wgcGet builds the GET reply: wgc_get's nvlist, without the private and
// preshared keys for an unprivileged caller, packed straight from the
// snapshot by ifwg.AppendGet.
func (s *Server) wgcGet(priv bool) (syscall.Errno, []byte, error) {
	b, err := ifwg.AppendGet(nil, s.engine.Snapshot(), priv)
	if err != nil {
		s.log.errorf("control: nvlist get: %v", err)
		return syscall.ENOMEM, nil, nil
	}
	return 0, b, nil
}
