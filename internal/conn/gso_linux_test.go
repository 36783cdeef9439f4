// SPDX-License-Identifier: BSD-2-Clause

package conn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/wgbsd/wgbsd/internal/testenv"
)

func sized(sizes ...int) [][]byte {
	bufs := make([][]byte, len(sizes))
	for i, n := range sizes {
		bufs[i] = make([]byte, n)
		for j := range bufs[i] {
			bufs[i][j] = byte(i)
		}
	}
	return bufs
}

func TestGSORuns(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	many := make([]int, 70)
	for i := range many {
		many[i] = 100
	}
	for _, c := range []struct {
		sizes []int
		gso   bool
		segs  []int
	}{
		{[]int{100, 100, 100, 50, 100, 0, 100}, true, []int{4, 1, 1, 1}},
		{[]int{100, 200, 200, 200}, true, []int{1, 3}},
		{[]int{100, 100, 100}, false, []int{1, 1, 1}},
		{many, true, []int{64, 6}},
		{[]int{30000, 30000, 30000}, true, []int{2, 1}},
	} {
		s := newMmsgSender(nil, &on)
		taken := s.build(sized(c.sizes...), 16, c.gso)
		if got := s.segs[:s.count]; taken != len(c.sizes) || fmt.Sprint(got) != fmt.Sprint(c.segs) {
			t.Errorf("sizes %v: took %d, runs %v, want %v", c.sizes, taken, got, c.segs)
			continue
		}
		for m := range s.count {
			h := s.msgs[m].Hdr
			if int(h.Iovlen) != s.segs[m] || (s.segs[m] > 1) != (h.Controllen > 0) {
				t.Errorf("sizes %v: message %d has %d iovecs, %d control bytes", c.sizes, m, h.Iovlen, h.Controllen)
			}
			if s.segs[m] > 1 {
				ctl := s.ctrl[m*gsoCmsgSpace:]
				cm := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[0]))
				if cm.Level != unix.SOL_UDP || cm.Type != unix.UDP_SEGMENT ||
					int(binary.NativeEndian.Uint16(ctl[unix.CmsgLen(0):])) != int(s.msgs[m].Hdr.Iov.Len) {
					t.Errorf("sizes %v: bad control message for message %d", c.sizes, m)
				}
			}
		}
	}
}

// TestGSOMixedSizes sends runs of equal and unequal datagrams and checks
// that each arrives whole and in order.
func TestGSOMixedSizes(t *testing.T) {
	a, _ := openBind(t, 0)
	b, bport := openBind(t, 0)
	if !a.(*stdBind).v4.io.(*mmsgIO).gso.Load() {
		testenv.Unavailable(t, "the kernel has no UDP_SEGMENT")
	}
	sizes := []int{1452, 1452, 1452, 700, 1452, 1, 1, 1452, 1452}
	out := sized(sizes...)
	if err := a.Send(out, Endpoint{Dst: netip.AddrPortFrom(loopback4, bport)}); err != nil {
		t.Fatal(err)
	}
	got, _, _ := receiveN(t, receiver(t, b, loopback4), len(sizes), b.BatchSize())
	for i, p := range got {
		if p != string(out[i]) {
			t.Fatalf("datagram %d: %d bytes, want %d", i, len(p), sizes[i])
		}
	}
}

// TestGSOFallback sends segmented runs that the kernel must refuse: in a
// namespace of its own, the loopback MTU is below the datagram size, so
// UDP_SEGMENT fails (EMSGSIZE, or EINVAL on older kernels). The datagrams
// must still arrive whole,
// sent unsegmented (and fragmented by IP), and segmentation must stay on
// for later sends.
func TestGSOFallback(t *testing.T) {
	testenv.RequireRoot(t)
	errc := make(chan error)
	go func() {
		// The thread stays locked: it leaves the namespace only by
		// ending with this goroutine, which destroys the namespace.
		runtime.LockOSThread()
		errc <- gsoFallback()
	}()
	if err := <-errc; errors.Is(err, errNoGSO) {
		testenv.Unavailable(t, "the kernel has no UDP_SEGMENT")
	} else if err != nil {
		t.Fatal(err)
	}
}

// errNoGSO reports a kernel without UDP_SEGMENT: nothing to fall back from.
var errNoGSO = errors.New("no UDP_SEGMENT")

func gsoFallback() error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if err := loopbackUp(1280); err != nil {
		return err
	}
	a, b := NewBind(), NewBind()
	if _, err := a.Open(0); err != nil {
		return err
	}
	defer a.Close()
	port, err := b.Open(0)
	if err != nil {
		return err
	}
	defer b.Close()
	gso := &a.(*stdBind).v4.io.(*mmsgIO).gso
	if !gso.Load() {
		return errNoGSO
	}
	out := sized(1452, 1452, 1452, 1452)
	if err := a.Send(out, Endpoint{Dst: netip.AddrPortFrom(loopback4, port)}); err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	bufs, sizes, eps := buffers(b.BatchSize(), 2048)
	for got := 0; got < len(out); {
		n, err := b.ReceiveFuncs()[0](bufs, sizes, eps)
		if err != nil {
			return err
		}
		for i := range n {
			if string(bufs[i][:sizes[i]]) != string(out[got]) {
				return fmt.Errorf("datagram %d: %d bytes", got, sizes[i])
			}
			got++
		}
	}
	if !gso.Load() {
		return fmt.Errorf("segmentation turned off for good after a refusal other than EIO")
	}
	return nil
}

// loopbackUp sets the loopback interface's MTU and brings it up.
func loopbackUp(mtu int) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint32(uint32(mtu))
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFMTU, ifr); err != nil {
		return fmt.Errorf("SIOCSIFMTU: %w", err)
	}
	ifr.SetUint16(unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("SIOCSIFFLAGS: %w", err)
	}
	return nil
}
