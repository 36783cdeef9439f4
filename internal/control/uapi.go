// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
)

// This file answers UAPI requests with wireguard-go's semantics
// (device/uapi.go): a set is applied line by line (but for its port, bound
// first: see applyAll), a failure stops it and keeps what was applied, and the reply carries the negated errno
// wireguard-go would send. ifwg.ServeUAPI does the framing and
// ifwg.UAPISetDecoder checks each line.

// uapiBatch is how many set operations are read before they are applied
// under one Configure call. Reading a request never holds the engine's
// configuration lock, so a client that sends slowly does not stall
// others, and a request of any length needs only one batch of memory.
const uapiBatch = 1024

// uapiHandler serves one connection's UAPI requests.
type uapiHandler struct {
	s    *Server
	priv bool
}

var _ ifwg.UAPIHandler = uapiHandler{}

// UAPIGet returns the state for a get reply; an unprivileged caller gets
// neither the private key nor preshared keys (it reads them as zero).
//
// The engine takes an all-zero private key as the kernel does, clamped
// into an identity; wireguard-go keeps it as zero and its get leaves
// private_key out, so here the clamped zero key reads back as no key.
// The engine keeps only the clamped key, so the clamped zero key set
// explicitly reads back as no key too, where wireguard-go would print
// it; wgd.8 says so. Only the reply differs: the identity, and with it
// the peer of the interface's own key that a set ignores, is the
// engine's.
func (h uapiHandler) UAPIGet() (*ifwg.Device, error) {
	d := h.s.engine.Snapshot()
	if d.PrivateKey != nil && *d.PrivateKey == clampedZeroKey {
		d.PrivateKey, d.PublicKey = nil, nil
	}
	if !h.priv {
		stripSecrets(d)
	}
	return d, nil
}

// clampedZeroKey is the private key the engine stores for an all-zero one.
var clampedZeroKey = ifwg.Key{}.Clamped()

// UAPISet applies a set request. An unprivileged caller's request is read
// to its end, so the connection stays in step, and refused with EPERM.
func (h uapiHandler) UAPISet(dec *ifwg.UAPISetDecoder) error {
	if !h.priv {
		for {
			if _, err := dec.Next(); err != nil {
				break
			}
		}
		return ifwg.SetErrorf(syscall.EPERM, "uapi set by an unprivileged caller")
	}
	err := h.s.uapiSet(dec)
	if err != nil {
		h.s.log.verbosef("control: uapi set: %v", err)
	} else {
		h.s.log.verbosef("control: uapi set applied")
	}
	return err
}

// stripSecrets removes what an unprivileged caller may not read.
func stripSecrets(d *ifwg.Device) {
	d.PrivateKey = nil
	for i := range d.Peers {
		d.Peers[i].PresharedKey = nil
	}
}

// uapiSet reads the operations of a set request in batches and applies
// each batch in order, stopping at the first failure: a line the decoder
// refuses is reported after the lines before it were applied, as
// wireguard-go applies each line as it reads it.
func (s *Server) uapiSet(dec *ifwg.UAPISetDecoder) error {
	var a uapiApplier
	ops := make([]ifwg.UAPISetOp, 0, uapiBatch)
	for {
		ops = ops[:0]
		var readErr error
		for len(ops) < uapiBatch {
			op, err := dec.Next()
			if err != nil {
				readErr = err
				break
			}
			ops = append(ops, op)
		}
		if len(ops) > 0 {
			err := s.engine.Configure(func(tx Tx) error { return a.applyAll(tx, ops) })
			if err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}

// uapiApplier is the state of one set request across its operations: the
// peer the last public_key line selected. A "dummy" peer is wireguard-go's
// placeholder that takes the lines of a peer that must not change: the
// interface's own key, a removed peer, an update_only peer that did not
// exist.
type uapiApplier struct {
	pub     [32]byte
	dummy   bool
	created bool
}

// applyAll applies ops in order and returns the first failure, except
// that the first listen_port line of the batch is applied before all the
// others: wg(8) writes private_key= before listen_port= (wireguard-tools
// src/ipc-uapi.h, userspace_set_device), and a set that fails on a taken
// port must leave the device as it was, as for the nvlist protocol
// (setListenPortFirst). wireguard-go applies each line as it reads it.
func (a *uapiApplier) applyAll(tx Tx, ops []ifwg.UAPISetOp) error {
	first := slices.IndexFunc(ops, func(op ifwg.UAPISetOp) bool { return op.Kind == ifwg.UAPIListenPort })
	if first >= 0 {
		if err := a.apply(tx, ops[first]); err != nil {
			return err
		}
	}
	for i, op := range ops {
		if i == first {
			continue
		}
		if err := a.apply(tx, op); err != nil {
			return err
		}
	}
	return nil
}

// apply applies one operation.
func (a *uapiApplier) apply(tx Tx, op ifwg.UAPISetOp) error {
	switch op.Kind {
	case ifwg.UAPIPrivateKey:
		tx.SetPrivateKey(op.Key)
	case ifwg.UAPIListenPort:
		return ifwg.SetListenPort(tx, uint64(op.Number))
	case ifwg.UAPIFwMark:
		if err := tx.SetUserCookie(op.Number); err != nil {
			return ifwg.SetErrorf(syscall.EADDRINUSE, "failed to update fwmark: %v", err)
		}
	case ifwg.UAPIReplacePeers:
		tx.ReplacePeers()
	case ifwg.UAPIPeer:
		return a.selectPeer(tx, op.Key)
	case ifwg.UAPIUpdateOnly:
		if a.created && !a.dummy {
			tx.RemovePeer(a.pub)
			a.dummy = true
		}
	case ifwg.UAPIRemove:
		if !a.dummy {
			tx.RemovePeer(a.pub)
		}
		a.dummy = true
	case ifwg.UAPIProtocolVersion:
	default:
		return a.applyPeer(tx, op)
	}
	return nil
}

// selectPeer makes key the current peer, creating it when it is missing;
// the interface's own public key (zero without an identity) selects the
// placeholder. A failure to create the peer is EINVAL, as in
// wireguard-go.
func (a *uapiApplier) selectPeer(tx Tx, key [32]byte) error {
	own, ok := tx.PublicKey()
	if !ok {
		own = [32]byte{}
	}
	a.pub, a.created, a.dummy = key, false, own == key
	if a.dummy || tx.Peer(key) != nil {
		return nil
	}
	if _, err := tx.CreatePeer(key); err != nil {
		a.dummy = true
		return ifwg.SetErrorf(syscall.EINVAL, "failed to create new %s: %v", peerName(key), err)
	}
	a.created = true
	return nil
}

// applyPeer applies a line that changes the current peer; the placeholder
// takes it without effect.
func (a *uapiApplier) applyPeer(tx Tx, op ifwg.UAPISetOp) error {
	if a.dummy {
		return nil
	}
	p := tx.Peer(a.pub)
	if p == nil {
		// Removed by another client between two batches.
		return nil
	}
	switch op.Kind {
	case ifwg.UAPIPresharedKey:
		p.SetPresharedKey(op.Key)
	case ifwg.UAPIEndpoint:
		p.SetEndpoint(op.Endpoint.AddrPort())
	case ifwg.UAPIKeepalive:
		p.SetPersistentKeepalive(uint16(op.Number))
	case ifwg.UAPIReplaceAllowedIPs:
		p.RemoveAllowedIPs()
	case ifwg.UAPIAllowedIP:
		return applyAllowedIP(p, op.AllowedIP)
	default:
		return fmt.Errorf("unexpected uapi operation %v", op.Kind)
	}
	return nil
}

// applyAllowedIP adds or removes a masked prefix.
func applyAllowedIP(p PeerTx, a ifwg.AllowedIP) error {
	prefix := a.Prefix.Masked()
	if a.Remove {
		p.RemoveAllowedIP(prefix)
		return nil
	}
	if err := p.AddAllowedIP(prefix); err != nil {
		return ifwg.WithErrno(err, syscall.ENOMEM, "failed to add allowed_ip")
	}
	return nil
}
