// SPDX-License-Identifier: BSD-2-Clause

package conn

import "testing"

// BenchmarkSendReceiveNoGSO is BenchmarkSendReceive with UDP_SEGMENT
// turned off, to measure what segmentation offload brings.
func BenchmarkSendReceiveNoGSO(b *testing.B) {
	benchSendReceive(b, func(tx Bind) {
		for _, s := range []*socket{tx.(*stdBind).v4, tx.(*stdBind).v6} {
			if s != nil {
				s.io.(*mmsgIO).gso.Store(false)
			}
		}
	})
}
