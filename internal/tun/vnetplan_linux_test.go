// SPDX-License-Identifier: BSD-2-Clause

package tun

import (
	"bytes"
	"testing"
)

// TestVnetWriterPlanSingle checks that a vnetWriter with offloads off
// (single, as on a descriptor adopted with the virtio header) plans one
// packet per write, while one with offloads on merges the same run of
// consecutive TCP segments.
func TestVnetWriterPlanSingle(t *testing.T) {
	const count, mss = 8, 1000
	batch := func() [][]byte {
		bufs := make([][]byte, count)
		for i := range bufs {
			payload := bytes.Repeat([]byte{byte(i)}, mss)
			bufs[i] = tcpSegment(false, uint32(1000+i*mss), tcpFlagACK, uint16(i), payload)
		}
		return bufs
	}
	for _, single := range []bool{false, true} {
		w := &vnetWriter{single: single}
		w.begin(batch(), 0)
		w.plan()
		if w.err != nil {
			t.Fatalf("single=%v: plan: %v", single, w.err)
		}
		packets := 0
		for _, r := range w.runs {
			packets += r.count
			if single && r.count != 1 {
				t.Errorf("single: a run of %d packets", r.count)
			}
		}
		if packets != count {
			t.Errorf("single=%v: runs cover %d packets, want %d", single, packets, count)
		}
		if !single && len(w.runs) != 1 {
			t.Errorf("offloads on: %d runs, want the %d segments merged into 1", len(w.runs), count)
		}
	}
}
