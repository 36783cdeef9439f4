// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/wgbsd/wgbsd/internal/conn/bindtest"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/tun/tuntest"
)

func TestFollowLinkState(t *testing.T) {
	goroutineLeakCheck(t)
	n := bindtest.NewNetwork()
	tn := tuntest.New("link", DefaultMTU)
	d := NewDevice(tn, newTestBind(n, "192.0.2.60"), Options{Clock: clock.NewFake(testStart)})
	defer d.Close()
	// tuntest starts up and says so.
	eventually(t, "device up", d.up.Load)
	if err := tn.SetUp(false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "device down", func() bool { return !d.up.Load() })
	if err := tn.SetMTU(9000); err != nil {
		t.Fatal(err)
	}
	eventually(t, "buffers resized", func() bool { return d.txPool.bufferSize() == bufferSizeFor(9000) })
	if d.txPool.bufferSize() < bufferHeadroom+9000+bufferTailroom {
		t.Fatal("buffers too small for the MTU")
	}
	if err := tn.SetUp(true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "device up again", d.up.Load)
}

func TestDownErasesSessions(t *testing.T) {
	tp := newPair(t)
	send(t, tp.a, tp.b, false, "x")
	send(t, tp.b, tp.a, false, "y")
	pa := tp.a.peer(tp.b)
	if err := tp.a.dev.Down(); err != nil {
		t.Fatal(err)
	}
	if pa.currentKeypair() != nil || tp.a.dev.indices.len() != 0 {
		t.Fatal("sessions survived Down")
	}
	for _, pt := range []*peerTimer{&pa.timers.retransmitHandshake, &pa.timers.sendKeepalive,
		&pa.timers.newHandshake, &pa.timers.zeroKeyMaterial, &pa.timers.persistentKeepalive} {
		if pt.isPending() {
			t.Fatal("timer pending after Down")
		}
	}
	// Packets from the TUN are dropped while down.
	if err := tp.a.tun.Inject(packet(tp.a, tp.b, false, "while down")); err != nil {
		t.Fatal(err)
	}
	tp.quiesce(t)
	if !pa.stagedEmpty() {
		t.Fatal("packet staged while down")
	}
	if err := tp.a.dev.Up(); err != nil {
		t.Fatal(err)
	}
	tp.run(t, RekeyTimeout) // a new initiation needs a later timestamp
	send(t, tp.a, tp.b, true, "up again")
}

func TestUpSendsPersistentKeepalive(t *testing.T) {
	tp := newPair(t)
	ca := watch(tp.a)
	if err := tp.a.dev.Down(); err != nil {
		t.Fatal(err)
	}
	configure(t, tp.a.dev, func(tx *ConfigTx) error {
		tx.Peer(tp.b.pub).SetPersistentKeepalive(10)
		return nil
	})
	tp.quiesce(t)
	if ca.keepalives() != 0 || ca.count(1) != 0 {
		t.Fatal("keepalive sent while down")
	}
	if err := tp.a.dev.Up(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "keepalive on up", func() bool { return ca.keepalives() == 1 })
}

func TestCloseWithTraffic(t *testing.T) {
	goroutineLeakCheck(t)
	for i := range 3 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tp := newPair(t)
			send(t, tp.a, tp.b, false, "warm")
			for range 200 {
				_ = tp.a.tun.Inject(packet(tp.a, tp.b, i == 1, "in flight"))
				_ = tp.b.tun.Inject(packet(tp.b, tp.a, i == 2, "in flight"))
			}
			done := make(chan struct{})
			defer close(done)
			go func() {
				for {
					select {
					case <-tp.b.tun.Written():
					case <-done:
						return
					}
				}
			}()
			if err := tp.a.dev.Close(); err != nil {
				t.Fatal(err)
			}
			if err := tp.b.dev.Close(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-tp.a.dev.Done():
			default:
				t.Fatal("Done not closed")
			}
		})
	}
}

func TestTUNFailureClosesDevice(t *testing.T) {
	goroutineLeakCheck(t)
	n := bindtest.NewNetwork()
	ft := &failingTUN{Device: tuntest.New("fail", DefaultMTU)}
	d := NewDevice(ft, newTestBind(n, "192.0.2.61"), Options{Clock: clock.NewFake(testStart), IgnoreLinkEvents: true})
	select {
	case <-d.Done():
	case <-timeoutChan():
		t.Fatal("device not closed after TUN failures")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// failingTUN is a TUN whose reads always fail.
type failingTUN struct {
	*tuntest.Device
}

func (f *failingTUN) Read([][]byte, []int, int) (int, error) {
	return 0, errors.New("broken tun")
}

func TestReceiveErrorsRetried(t *testing.T) {
	tp := newPair(t)
	if err := tp.b.dev.Down(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	fails := 3
	tp.b.bind.setRecvHook(func() error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("transient receive error")
		}
		return nil
	})
	if err := tp.b.dev.Up(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "receive failures", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return fails == 0
	})
	send(t, tp.a, tp.b, false, "after the errors")
	if !tp.b.log.contains("transient receive error") {
		t.Fatal("receive error not logged")
	}
}
