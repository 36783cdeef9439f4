// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The worked examples of sections 1.11 to 1.13 of ifwg-protocol.md (the
// project's if_wg protocol specification), derived by hand from the format
// rules.
const (
	example1Hex = "" +
		"6c00000000000000000000a500000000000000030c0008000000000000000000" +
		"0000000000006c697374656e2d706f7274006cca0000000000000b0600000000" +
		"000000000001000000000000007065657273006c000000000000000000005200" +
		"000000000000070b00200000000000000000000000000000007075626c69632d" +
		"6b657900000102030405060708090a0b0c0d0e0f101112131415161718191a1b" +
		"1c1d1e1ffe01000000000000000000000000000000000000"
	example2Hex = "" +
		"6c000000000000000000007a01000000000000030c0008000000000000000000" +
		"0000000000006c697374656e2d706f7274006cca0000000000000b0600000000" +
		"000000000001000000000000007065657273006c000000000000000000002701" +
		"000000000000070b00200000000000000000000000000000007075626c69632d" +
		"6b65790011111111111111111111111111111111111111111111111111111111" +
		"1111111107090010000000000000000000000000000000656e64706f696e7400" +
		"1002ca6cc0000201000000000000000002130001000000000000000000000000" +
		"0000007265706c6163652d616c6c6f77656469707300010b0c00000000000000" +
		"00000100000000000000616c6c6f7765642d697073006c000000000000000000" +
		"0064000000000000000305000800000000000000000000000000000063696472" +
		"0018000000000000000705000400000000000000000000000000000069707634" +
		"000a000000fe01000000000000000000000000000000000000fe010000000000" +
		"00000000000000000000000000"
	example3Hex = "" +
		"6c00000000000000000000c902000000000000030c0008000000000000000000" +
		"0000000000006c697374656e2d706f7274006cca000000000000070b00200000" +
		"000000000000000000000000007075626c69632d6b657900aaaaaaaaaaaaaaaa" +
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa070c002000000000" +
		"0000000000000000000000707269766174652d6b657900bbbbbbbbbbbbbbbbbb" +
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0b0600000000000000" +
		"000001000000000000007065657273006c00000000000000000000f901000000" +
		"000000070b00200000000000000000000000000000007075626c69632d6b6579" +
		"0011111111111111111111111111111111111111111111111111111111111111" +
		"11070e00200000000000000000000000000000007072657368617265642d6b65" +
		"7900000000000000000000000000000000000000000000000000000000000000" +
		"000007090010000000000000000000000000000000656e64706f696e74001002" +
		"ca6cc00002010000000000000000071400100000000000000000000000000000" +
		"006c6173742d68616e647368616b652d74696d65000000000000000000000000" +
		"0000000000031e00080000000000000000000000000000007065727369737465" +
		"6e742d6b656570616c6976652d696e74657276616c0000000000000000000309" +
		"000800000000000000000000000000000072782d627974657300000000000000" +
		"00000309000800000000000000000000000000000074782d6279746573000000" +
		"0000000000000b0c0000000000000000000100000000000000616c6c6f776564" +
		"2d697073006c0000000000000000000064000000000000000705000400000000" +
		"000000000000000000000069707634000a000000030500080000000000000000" +
		"0000000000000063696472001800000000000000fe0100000000000000000000" +
		"0000000000000000fe01000000000000000000000000000000000000"
)

func mustHex(t testing.TB, s string) []byte { return must[[]byte](t)(hex.DecodeString(s)) }

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func checkPack(t *testing.T, l *List, want []byte) {
	t.Helper()
	got, err := l.Pack()
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Pack:\n got %x\nwant %x", got, want)
	}
	back, err := Unpack(got)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if !Equal(back, l) {
		t.Fatal("Unpack(Pack(l)) differs from l")
	}
}

// TestExample1 is {"listen-port": 51820, "peers": [{"public-key": 00..1f}]}.
func TestExample1(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	peer := New()
	peer.AddBinary("public-key", key)
	l := New()
	l.AddNumber("listen-port", 51820)
	l.AddNVListArray("peers", []*List{peer})
	checkPack(t, l, mustHex(t, example1Hex))
}

// TestExample2 is what wg(8) sends for "wg set wg0 listen-port 51820 peer K
// endpoint 192.0.2.1:51820 allowed-ips 10.0.0.0/24".
func TestExample2(t *testing.T) {
	aip := New()
	aip.AddNumber("cidr", 24)
	aip.AddBinary("ipv4", []byte{10, 0, 0, 0})
	peer := New()
	peer.AddBinary("public-key", fill(32, 0x11))
	peer.AddBinary("endpoint", []byte{16, 2, 0xca, 0x6c, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	peer.AddBool("replace-allowedips", true)
	peer.AddNVListArray("allowed-ips", []*List{aip})
	l := New()
	l.AddNumber("listen-port", 51820)
	l.AddNVListArray("peers", []*List{peer})
	checkPack(t, l, mustHex(t, example2Hex))
}

// TestExample3 is a GET reply as the kernel builds it.
func TestExample3(t *testing.T) {
	aip := New()
	aip.AddBinary("ipv4", []byte{10, 0, 0, 0})
	aip.AddNumber("cidr", 24)
	peer := New()
	peer.AddBinary("public-key", fill(32, 0x11))
	peer.AddBinary("preshared-key", make([]byte, 32))
	peer.AddBinary("endpoint", []byte{16, 2, 0xca, 0x6c, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	peer.AddBinary("last-handshake-time", make([]byte, 16))
	peer.AddNumber("persistent-keepalive-interval", 0)
	peer.AddNumber("rx-bytes", 0)
	peer.AddNumber("tx-bytes", 0)
	peer.AddNVListArray("allowed-ips", []*List{aip})
	l := New()
	l.AddNumber("listen-port", 51820)
	l.AddBinary("public-key", fill(32, 0xaa))
	l.AddBinary("private-key", fill(32, 0xbb))
	l.AddNVListArray("peers", []*List{peer})
	checkPack(t, l, mustHex(t, example3Hex))
}

// TestEmptyList checks the 19-byte packing of an empty list, what the
// kernel returns for an unconfigured interface.
func TestEmptyList(t *testing.T) {
	checkPack(t, New(), append([]byte{0x6c, 0, 0}, make([]byte, 16)...))
}
