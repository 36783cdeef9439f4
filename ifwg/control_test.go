// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"syscall"
	"testing"
)

func TestControlRequestFraming(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteControlRequest(&buf, ControlGet, nil); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(buf.Bytes()); got != "d36920c0"+"00000000"+"0000000000000000" {
		t.Fatalf("GET request = %s", got)
	}
	payload := []byte{0x6c, 1, 2, 3}
	if err := WriteControlRequest(&buf, ControlSet, payload); err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(buf.Bytes())
	cmd, p, err := ReadControlRequest(r, MaxControlPayload)
	if err != nil || cmd != ControlGet || len(p) != 0 {
		t.Fatalf("first request = %#x %x %v", cmd, p, err)
	}
	cmd, p, err = ReadControlRequest(r, MaxControlPayload)
	if err != nil || cmd != ControlSet || !bytes.Equal(p, payload) {
		t.Fatalf("second request = %#x %x %v", cmd, p, err)
	}
	if _, _, err := ReadControlRequest(r, MaxControlPayload); err != io.EOF {
		t.Fatalf("at end: %v, want io.EOF", err)
	}
}

func TestControlReplyFraming(t *testing.T) {
	var buf bytes.Buffer
	empty := make([]byte, 19)
	empty[0] = 0x6c
	if err := WriteControlReply(&buf, 0, empty); err != nil {
		t.Fatal(err)
	}
	if err := WriteControlReply(&buf, syscall.EINVAL, nil); err != nil {
		t.Fatal(err)
	}
	want := "00000000" + "00000000" + "1300000000000000" + "6c" + "000000000000000000000000000000000000"
	if got := hex.EncodeToString(buf.Bytes()[:16+19]); got != want {
		t.Fatalf("reply = %s, want %s", got, want)
	}
	r := bytes.NewReader(buf.Bytes())
	en, p, err := ReadControlReply(r)
	if err != nil || en != 0 || !bytes.Equal(p, empty) {
		t.Fatalf("first reply = %v %x %v", en, p, err)
	}
	en, p, err = ReadControlReply(r)
	if err != nil || en != syscall.EINVAL || len(p) != 0 {
		t.Fatalf("second reply = %v %x %v", en, p, err)
	}
}

func TestControlFramingErrors(t *testing.T) {
	hdr := func(w0, w1 uint32, size uint64) []byte {
		b := make([]byte, ControlHeaderLen)
		binary.LittleEndian.PutUint32(b, w0)
		binary.LittleEndian.PutUint32(b[4:], w1)
		binary.LittleEndian.PutUint64(b[8:], size)
		return b
	}
	if _, _, err := ReadControlRequest(bytes.NewReader(hdr(ControlSet, 1, 0)), 100); !errors.Is(err, ErrControlFraming) {
		t.Errorf("reserved word: %v", err)
	}
	if _, _, err := ReadControlRequest(bytes.NewReader(hdr(ControlSet, 0, 101)), 100); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("over limit: %v", err)
	}
	// A header that promises more than is sent must fail without
	// allocating what it promises.
	short := append(hdr(ControlSet, 0, 1<<40), 1, 2, 3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, _, err := ReadControlRequest(bytes.NewReader(short), 1<<41); !errors.Is(err, ErrControlFraming) {
		t.Errorf("short payload: %v", err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("a 3-byte payload claiming 1 TiB allocated %d bytes", n)
	}
	if _, _, err := ReadControlRequest(bytes.NewReader(hdr(ControlGet, 0, 0)[:7]), 100); !errors.Is(err, ErrControlFraming) {
		t.Errorf("short header: %v", err)
	}
	if _, _, err := ReadControlReply(bytes.NewReader(hdr(0xffffffff, 0, 0))); !errors.Is(err, ErrControlFraming) {
		t.Errorf("negative errno: %v", err)
	}
	if _, _, err := ReadControlReply(bytes.NewReader(hdr(0, 0, 1<<62))); !errors.Is(err, ErrControlFraming) {
		t.Errorf("huge reply: %v", err)
	}
}
