// SPDX-License-Identifier: BSD-2-Clause

package nvlist_test

import (
	"fmt"
	"log"

	"github.com/wgbsd/wgbsd/nvlist"
)

func ExampleUnpack() {
	// What if_wg returns to an unprivileged caller for an interface
	// listening on port 51820 with one peer (public key abbreviated to
	// 4 bytes here).
	data := []byte{
		0x6c, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x89, 0, 0, 0, 0, 0, 0, 0,
		0x03, 0x0c, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'l', 'i', 's', 't', 'e', 'n', '-', 'p', 'o', 'r', 't', 0,
		0x6c, 0xca, 0, 0, 0, 0, 0, 0,
		0x0b, 0x06, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,
		'p', 'e', 'e', 'r', 's', 0,
		0x6c, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 0, 0, 0, 0,
		0x07, 0x0b, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		'p', 'u', 'b', 'l', 'i', 'c', '-', 'k', 'e', 'y', 0,
		0xde, 0xad, 0xbe, 0xef,
		0xfe, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	}
	l, err := nvlist.Unpack(data)
	if err != nil {
		log.Fatal(err)
	}
	port, _ := l.Number("listen-port")
	peers, _ := l.NVListArray("peers")
	key, _ := peers[0].Binary("public-key")
	fmt.Printf("port %d, %d peer, key %x\n", port, len(peers), key)
	_, ok := l.String("listen-port")
	fmt.Println("listen-port is a string:", ok)
	// Output:
	// port 51820, 1 peer, key deadbeef
	// listen-port is a string: false
}

func ExampleList_Pack() {
	aip := nvlist.New()
	aip.AddNumber("cidr", 24)
	aip.AddBinary("ipv4", []byte{10, 0, 0, 0})
	peer := nvlist.New()
	peer.AddBool("replace-allowedips", true)
	peer.AddNVListArray("allowed-ips", []*nvlist.List{aip})
	l := nvlist.New()
	l.AddNumber("listen-port", 51820)
	l.AddNVListArray("peers", []*nvlist.List{peer})
	b, err := l.Pack()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(b), "bytes")
	fmt.Printf("% x\n", b[:19])

	l.AddNumber("listen-port", 1) // a duplicate: the list's error is sticky
	_, err = l.Pack()
	fmt.Println(err)
	// Output:
	// 291 bytes
	// 6c 00 00 00 00 00 00 00 00 00 00 10 01 00 00 00 00 00 00
	// nvlist: add (pair "listen-port"): the list already has a pair with this name
}

func ExampleList_Pairs() {
	l := nvlist.New()
	l.AddString("name", "wg0")
	l.AddNumberArray("ports", []uint64{51820, 51821})
	for p := range l.Pairs() {
		fmt.Println(p.Name(), p.Type(), p.Value())
	}
	// Output:
	// name string wg0
	// ports number_array [51820 51821]
}
