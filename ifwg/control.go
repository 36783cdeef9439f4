// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"syscall"
)

// The framing of if_wg's nvlist protocol on a wgd control socket, as
// docs/control-protocol.md specifies it.
const (
	// ControlHello is the line a client writes first to ask for the nvlist
	// protocol. A daemon that only speaks UAPI closes the connection.
	ControlHello = "nvlist=1\n"
	// ControlSet is SIOCSWG's LP64 number, the command of a SET request.
	ControlSet uint32 = 0xc02069d2
	// ControlGet is SIOCGWG's LP64 number, the command of a GET request.
	ControlGet uint32 = 0xc02069d3
	// ControlHeaderLen is the size of a request or reply header.
	ControlHeaderLen = 16
	// MaxControlPayload is the largest payload either side accepts; a
	// larger SET is refused with E2BIG, as the kernel refuses one.
	MaxControlPayload = 0x7fffffff - 1
)

// ErrControlFraming reports a control message that breaks the framing.
var ErrControlFraming = errors.New("invalid control message framing")

// WriteControlRequest writes one request: the command, a zero word and the
// payload's size, little-endian, then the payload.
func WriteControlRequest(w io.Writer, cmd uint32, payload []byte) error {
	msg := make([]byte, ControlHeaderLen+len(payload))
	binary.LittleEndian.PutUint32(msg, cmd)
	binary.LittleEndian.PutUint64(msg[8:], uint64(len(payload)))
	copy(msg[ControlHeaderLen:], payload)
	_, err := w.Write(msg)
	return err
}

// ReadControlRequest reads one request header and its payload. A payload
// larger than limit is not read: the error wraps syscall.E2BIG and the
// connection cannot be used further. io.EOF means the client closed the
// connection between requests.
func ReadControlRequest(r io.Reader, limit uint64) (cmd uint32, payload []byte, err error) {
	var hdr [ControlHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("short request header: %w", ErrControlFraming)
		}
		return 0, nil, err
	}
	cmd = binary.LittleEndian.Uint32(hdr[:])
	if binary.LittleEndian.Uint32(hdr[4:]) != 0 {
		return 0, nil, fmt.Errorf("request reserved word not zero: %w", ErrControlFraming)
	}
	size := binary.LittleEndian.Uint64(hdr[8:])
	if size > limit {
		return cmd, nil, fmt.Errorf("request payload of %d bytes: %w", size, syscall.E2BIG)
	}
	payload, err = readPayload(r, size, 0)
	return cmd, payload, err
}

// WriteControlReply writes one reply: errno (0 for success), a zero word and
// the payload's size, little-endian, then the payload.
func WriteControlReply(w io.Writer, errno syscall.Errno, payload []byte) error {
	msg := make([]byte, ControlHeaderLen+len(payload))
	binary.LittleEndian.PutUint32(msg, uint32(int32(errno)))
	binary.LittleEndian.PutUint64(msg[8:], uint64(len(payload)))
	copy(msg[ControlHeaderLen:], payload)
	_, err := w.Write(msg)
	return err
}

// ReadControlReply reads one reply header and its payload, returning the
// errno the daemon answered with (0 for success).
func ReadControlReply(r io.Reader) (errno syscall.Errno, payload []byte, err error) {
	var hdr [ControlHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	code := int32(binary.LittleEndian.Uint32(hdr[:]))
	if code < 0 || binary.LittleEndian.Uint32(hdr[4:]) != 0 {
		return 0, nil, fmt.Errorf("reply header: %w", ErrControlFraming)
	}
	size := binary.LittleEndian.Uint64(hdr[8:])
	if size > MaxControlPayload {
		return 0, nil, fmt.Errorf("reply payload of %d bytes: %w", size, ErrControlFraming)
	}
	payload, err = readPayload(r, size, replyTrust)
	return syscall.Errno(code), payload, err
}

// replyTrust is how much of a reply's announced size a client allocates
// before the bytes arrive: the daemon is root's, and a large GET reply is
// then read without regrowing its buffer.
const replyTrust = 64 << 20

// readPayload reads exactly size bytes. The buffer starts at the larger of
// 1 MiB and trust (never above size) and at most doubles each time it
// fills, so a header that promises more than is sent costs at most twice
// what was sent, or trust.
func readPayload(r io.Reader, size, trust uint64) ([]byte, error) {
	const first = 1 << 20
	buf := make([]byte, 0, min(size, max(first, trust)))
	for uint64(len(buf)) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*uint64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return nil, fmt.Errorf("short payload (%d of %d bytes): %w", len(buf), size, ErrControlFraming)
		}
	}
	return buf, nil
}
