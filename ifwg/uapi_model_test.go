// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

// uapiModel is an in-memory interface that applies set requests with
// wireguard-go's semantics, as documented on the UAPIOpKind values, and
// answers get requests with MarshalUAPIGetReply. Tests drive it with
// ServeUAPI and compare it with wireguard-go.
type uapiModel struct {
	mu     sync.Mutex
	priv   Key
	port   uint16
	fwmark uint32
	peers  []*uapiModelPeer // in creation order
}

// uapiModelPeer is one peer of a uapiModel.
type uapiModelPeer struct {
	pub, psk  Key
	endpoint  Endpoint
	keepalive uint16
	aips      []netip.Prefix
}

// uapiModelSet is the state of one set request being applied.
type uapiModelSet struct {
	cur     *uapiModelPeer
	dummy   bool // the lines of the current peer change nothing
	created bool // the current peer's public_key line created it
}

// UAPIGet returns the interface's state.
func (m *uapiModel) UAPIGet() (*Device, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := &Device{ListenPort: m.port, FwMark: m.fwmark}
	if !m.priv.IsZero() {
		d.PrivateKey = Ptr(m.priv)
	}
	for _, p := range m.peers {
		d.Peers = append(d.Peers, Peer{PublicKey: p.pub, PresharedKey: Ptr(p.psk), Endpoint: p.endpoint,
			PersistentKeepalive: p.keepalive, AllowedIPs: slices.Clone(p.aips), ProtocolVersion: 1})
	}
	return d, nil
}

// UAPISet applies a set request line by line.
func (m *uapiModel) UAPISet(d *UAPISetDecoder) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var s uapiModelSet
	for op, err := range d.Ops() {
		if err != nil {
			return err
		}
		m.apply(&s, op)
	}
	return nil
}

// apply applies one operation.
func (m *uapiModel) apply(s *uapiModelSet, op UAPISetOp) {
	switch op.Kind {
	case UAPIPrivateKey:
		m.setPrivateKey(op.Key)
	case UAPIListenPort:
		m.port = uint16(op.Number)
	case UAPIFwMark:
		m.fwmark = op.Number
	case UAPIReplacePeers:
		m.peers = nil
	case UAPIPeer:
		m.selectPeer(s, op.Key)
	default:
		if !s.dummy {
			m.applyPeer(s, op)
		}
	}
}

// setPrivateKey replaces the key and removes a peer with the new public
// key.
func (m *uapiModel) setPrivateKey(k Key) {
	if !k.IsZero() {
		k = k.Clamped()
		m.remove(k.PublicKey())
	}
	m.priv = k
}

// selectPeer selects, or creates, the peer a public_key line names.
func (m *uapiModel) selectPeer(s *uapiModelSet, pub Key) {
	*s = uapiModelSet{}
	if !m.priv.IsZero() && pub == m.priv.PublicKey() {
		s.dummy = true
		return
	}
	s.cur = m.find(pub)
	if s.cur == nil {
		s.cur = &uapiModelPeer{pub: pub}
		m.peers = append(m.peers, s.cur)
		s.created = true
	}
}

// applyPeer applies a peer operation to the current peer.
func (m *uapiModel) applyPeer(s *uapiModelSet, op UAPISetOp) {
	p := s.cur
	switch op.Kind {
	case UAPIUpdateOnly:
		if s.created {
			m.remove(p.pub)
			s.dummy = true
		}
	case UAPIRemove:
		m.remove(p.pub)
		s.dummy = true
	case UAPIPresharedKey:
		p.psk = op.Key
	case UAPIEndpoint:
		p.endpoint = op.Endpoint
	case UAPIKeepalive:
		p.keepalive = uint16(op.Number)
	case UAPIReplaceAllowedIPs:
		p.aips = nil
	case UAPIAllowedIP:
		pfx := op.AllowedIP.Prefix.Masked()
		if op.AllowedIP.Remove {
			p.aips = slices.DeleteFunc(p.aips, func(a netip.Prefix) bool { return a == pfx })
			return
		}
		for _, q := range m.peers {
			q.aips = slices.DeleteFunc(q.aips, func(a netip.Prefix) bool { return a == pfx })
		}
		p.aips = append(p.aips, pfx)
	}
}

// find returns the peer with the public key, or nil.
func (m *uapiModel) find(pub Key) *uapiModelPeer {
	for _, p := range m.peers {
		if p.pub == pub {
			return p
		}
	}
	return nil
}

// remove removes the peer with the public key, if any.
func (m *uapiModel) remove(pub Key) {
	m.peers = slices.DeleteFunc(m.peers, func(p *uapiModelPeer) bool { return p.pub == pub })
}

// serve serves the model on dir/name.sock with ServeUAPI until the test
// ends.
func (m *uapiModel) serve(t *testing.T, dir, name string) {
	t.Helper()
	serveSocket(t, dir, name, func(c net.Conn) { ServeUAPI(bufio.NewReader(c), c, m) })
}
