// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"testing"
)

func TestHandshakeAndData(t *testing.T) {
	goroutineLeakCheck(t)
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "hello over ipv4")
	send(t, tp.b, tp.a, false, "reply over ipv4")
	send(t, tp.a, tp.b, true, "hello over ipv6")
	send(t, tp.b, tp.a, true, "reply over ipv6")
	for i := range 100 {
		send(t, tp.a, tp.b, i%2 == 0, "bulk")
	}
	pa, pb := tp.a.peer(tp.b), tp.b.peer(tp.a)
	if pa.lastHandshake.Load() == 0 || pb.lastHandshake.Load() == 0 {
		t.Fatal("last handshake not recorded")
	}
	sa, sb := tp.a.dev.Snapshot(), tp.b.dev.Snapshot()
	if sa.Peers[0].TxBytes == 0 || sa.Peers[0].RxBytes == 0 || sb.Peers[0].TxBytes == 0 {
		t.Fatalf("counters not updated: %+v %+v", sa.Peers[0], sb.Peers[0])
	}
}
