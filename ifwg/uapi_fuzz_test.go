// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// FuzzUAPIGetReply checks that the client's get reply parser never panics
// and that whatever it accepts, written again by the server side, reads
// back as the same Device (up to what the server's format fixes: a zero
// private key is not sent, a missing preshared key is sent as zeros,
// protocol_version is 1 and allowed IPs are masked).
func FuzzUAPIGetReply(f *testing.F) {
	for _, tc := range uapiGetReplyCases() {
		f.Add([]byte(tc.reply))
	}
	u := newUAPIRand(4)
	for i := 0; i < 8; i++ {
		f.Add(MarshalUAPIGetReply(u.device()))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		d, err := ParseUAPIGetReply(bytes.NewReader(reply))
		if err != nil {
			if d != nil {
				t.Fatal("a device came with an error")
			}
			var en *Errno
			if !errors.Is(err, ErrUAPIProtocol) && !errors.As(err, &en) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		again, err := ParseUAPIGetReply(bytes.NewReader(MarshalUAPIGetReply(d)))
		if err != nil {
			t.Fatalf("the server's reply for a parsed device does not parse: %v", err)
		}
		if want := uapiAsServerSends(d); !uapiDevicesEqual(again, want) {
			t.Fatalf("got  %s\nwant %s", uapiDumpDevice(again), uapiDumpDevice(want))
		}
	})
}

// uapiAsServerSends returns d as it reads back from MarshalUAPIGetReply.
func uapiAsServerSends(d *Device) *Device {
	out := *d
	if out.PrivateKey != nil && out.PrivateKey.IsZero() {
		out.PrivateKey, out.PublicKey = nil, nil
	}
	out.Peers = nil
	for _, p := range d.Peers {
		if p.PresharedKey == nil {
			p.PresharedKey = &Key{}
		}
		p.ProtocolVersion = 1
		var aips []netip.Prefix
		for _, a := range p.AllowedIPs {
			aips = append(aips, a.Masked())
		}
		p.AllowedIPs = aips
		out.Peers = append(out.Peers, p)
	}
	return &out
}

// FuzzUAPISetRequest checks that the server's set request decoder never
// panics, reads each line once, fails only with the errnos wireguard-go
// uses, and that a request it accepts folds into a Config that the client
// writes and the server reads back unchanged. The same bytes are also
// served, after "set=1", by ServeUAPI to a model interface.
func FuzzUAPISetRequest(f *testing.F) {
	for _, tc := range uapiSetCases() {
		if b, err := os.ReadFile(filepath.Join("testdata", "uapi", tc.name+".golden")); err == nil {
			f.Add(bytes.TrimPrefix(b, []byte(uapiSetLine+"\n")))
		}
	}
	f.Add([]byte("public_key=" + uapiHexA + "\r\nupdate_only=true\nallowed_ip=-10.0.0.0/8\nprotocol_version=1\nremove=true"))
	f.Add([]byte("listen_port=1\nfoo\n\nget=1\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		checkUAPISetDecoder(t, body)
		c, err := ParseUAPISet(bytes.NewReader(body))
		if err == nil {
			req, err := MarshalUAPISet(c)
			if err != nil {
				t.Fatalf("a decoded Config does not encode: %v", err)
			}
			again, err := ParseUAPISet(bytes.NewReader(bytes.TrimPrefix(req, []byte(uapiSetLine+"\n"))))
			if err != nil || !uapiConfigsEqual(again, c) {
				t.Fatalf("re-encoded request reads back differently (%v):\n%s\n%s", err, uapiDumpConfig(c), req)
			}
		}
		in := append([]byte(uapiSetLine+"\n"), body...)
		ServeUAPI(bufio.NewReader(bytes.NewReader(in)), io.Discard, &uapiModel{})
	})
}

// checkUAPISetDecoder reads every operation of body and checks the
// decoder's bounds and errors.
func checkUAPISetDecoder(t *testing.T, body []byte) {
	d := NewUAPISetDecoder(bytes.NewReader(body))
	for n := 0; ; n++ {
		if n > len(body)/2 {
			t.Fatalf("%d operations from %d bytes", n, len(body))
		}
		op, err := d.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var se *SetError
			if !errors.As(err, &se) || (se.Errno != syscall.EINVAL && se.Errno != syscall.EPROTO && se.Errno != syscall.EIO) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if op.Kind < UAPIPrivateKey || op.Kind > UAPIProtocolVersion {
			t.Fatalf("operation of unknown kind %d", op.Kind)
		}
	}
}
