// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"os"
	"time"
)

// pollRemoval calls gone once, from its own goroutine, when path stops
// naming the file own describes, checking every interval. stop ends the
// watch and returns once it has ended.
func pollRemoval(path string, own os.FileInfo, interval time.Duration, gone func()) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if socketGone(path, own) {
				gone()
				return
			}
			select {
			case <-quit:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
