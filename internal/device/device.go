// SPDX-License-Identifier: BSD-2-Clause

package device

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wgbsd/wgbsd/internal/allowedips"
	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/device/clock"
	"github.com/wgbsd/wgbsd/internal/noise"
	"github.com/wgbsd/wgbsd/internal/ratelimiter"
	"github.com/wgbsd/wgbsd/internal/tun"
)

// ErrClosed is returned, wrapped, by operations on a closed Device.
var ErrClosed = errors.New("device closed")

// Options configures a Device. The zero Options gives the system clock,
// no logging, and the kernel's limits.
type Options struct {
	// Clock supplies time and timers; nil means the system clock.
	Clock clock.Clock
	// Logger receives log messages; nil functions discard them.
	Logger Logger
	// MaxPeers caps the number of peers; zero or less means MaxPeers.
	// Tests lower it to reach the limit.
	MaxPeers int
	// Workers is the number of encryption, decryption and handshake
	// workers of each kind; zero or less means GOMAXPROCS.
	Workers int
	// BufferMemory is the memory budget, in bytes, of each of the two
	// packet buffer pools (one fed by the TUN, one by the UDP sockets);
	// zero or less means DefaultBufferMemory. Each pool still lends at
	// least the 4*MaxBatchSize buffers its readers need, and the receive
	// pool keeps free buffers of at most a quarter of it.
	BufferMemory int
	// IgnoreLinkEvents makes the Device ignore the up and down events of
	// its TUN, so that only Up and Down change its state. By default the
	// Device follows the interface's administrative state, as if_wg does.
	IgnoreLinkEvents bool
}

// Device is a WireGuard interface: its identity, its peers, and the
// pipelines that move packets between a TUN device and a UDP bind.
type Device struct {
	clock      clock.Clock
	log        Logger
	tun        tun.Device
	bind       conn.Bind
	maxPeers   int
	workers    int
	ignoreLink bool

	// config is the configuration lock, held for writing by Configure,
	// Up, Down and Close and for reading by Snapshot.
	config sync.RWMutex
	// net is the socket state, guarded by config.
	net struct {
		port       uint16 // configured while down, bound while up
		userCookie uint32
		receivers  sync.WaitGroup
	}

	up     atomic.Bool
	closed atomic.Bool
	// closing is closed by Close; goroutines and blocked queue pushes
	// watch it.
	closing chan struct{}

	identity atomic.Pointer[identity]
	// privateKey is the stored (clamped) private key, guarded by config.
	privateKey noise.PrivateKey

	peers struct {
		sync.RWMutex
		byKey       map[noise.PublicKey]*peer
		first, last *peer
		n           int
	}
	allowedIPs allowedips.Table[*peer]
	indices    indexTable

	mtu         atomic.Int32
	stagedTotal atomic.Int64
	txPool      elementPool
	rxPool      elementPool
	queues      struct {
		encryption chan *batch
		decryption chan *batch
		handshake  chan *handshakeMessage
	}
	// inflight counts the batches and handshake messages queued or being
	// processed, so that tests can wait for the engine to be idle.
	inflight       atomic.Int64
	underLoadUntil atomic.Int64
	limiter        *ratelimiter.Limiter
	limiterGC      struct {
		sync.Mutex
		timer   clock.Timer
		running bool
	}

	// goroutines counts the device-wide goroutines that Close waits for.
	goroutines sync.WaitGroup

	// hooks lets tests interleave operations at points of the handshake
	// path that no outside event can reach. It is nil outside tests.
	hooks atomic.Pointer[testHooks]
}

// testHooks are functions the handshake path calls at fixed points when
// set, so that tests can interleave other operations there.
type testHooks struct {
	// installKeypair runs between the two steps of installing a new
	// keypair: pointing its index at it and adding it to the peer.
	installKeypair func(*peer)
	// createdResponse runs in sendHandshakeResponse between creating the
	// response and stamping its time.
	createdResponse func(*peer)
	// initiating runs in sendHandshakeInitiation between its first
	// check that the peer is active and stamping its time.
	initiating func(*peer)
}

// hook returns the test hook chosen by pick, or nil.
func (d *Device) hook(pick func(*testHooks) func(*peer)) func(*peer) {
	if h := d.hooks.Load(); h != nil {
		return pick(h)
	}
	return nil
}

// identity is the device's static identity with its cookie checker.
type identity struct {
	static  *noise.StaticIdentity
	checker *cookie.Checker
}

// NewDevice returns a Device, down and without identity or peers, that
// moves packets between tunDev and bind. It starts the device-wide worker
// goroutines and the TUN reader; peers start none. Unless
// Options.IgnoreLinkEvents is set, the Device comes up and goes down with
// the TUN's link state.
func NewDevice(tunDev tun.Device, bind conn.Bind, opts Options) *Device {
	d := &Device{
		clock:      opts.Clock,
		log:        opts.Logger.normalized(),
		tun:        tunDev,
		bind:       bind,
		maxPeers:   opts.MaxPeers,
		workers:    opts.Workers,
		ignoreLink: opts.IgnoreLinkEvents,
		closing:    make(chan struct{}),
	}
	if d.clock == nil {
		d.clock = clock.System{}
	}
	if d.maxPeers <= 0 || d.maxPeers > MaxPeers {
		d.maxPeers = MaxPeers
	}
	if d.workers <= 0 {
		d.workers = runtime.GOMAXPROCS(0)
	}
	d.peers.byKey = make(map[noise.PublicKey]*peer)
	d.limiter = ratelimiter.New(ratelimiter.Config{Now: d.clock.Now})

	mtu := DefaultMTU
	if m, err := tunDev.MTU(); err == nil && m > 0 {
		mtu = m
	}
	d.mtu.Store(int32(mtu))
	budget := opts.BufferMemory
	if budget <= 0 {
		budget = DefaultBufferMemory
	}
	size := bufferSizeFor(mtu)
	d.txPool.init(size, poolLimit(size, budget))
	d.rxPool.initReceive(budget)

	d.queues.encryption = make(chan *batch, MaxQueuedPackets)
	d.queues.decryption = make(chan *batch, MaxQueuedPackets)
	d.queues.handshake = make(chan *handshakeMessage, MaxQueuedHandshakes)

	for range d.workers {
		d.goroutines.Add(3)
		go d.routineEncryption()
		go d.routineDecryption()
		go d.routineHandshake()
	}
	d.goroutines.Add(1)
	go d.routineReadFromTUN()
	if events := tunDev.Events(); events != nil {
		d.goroutines.Add(1)
		go d.routineTUNEvents(events)
	}
	return d
}

// Up brings the device up: it binds the UDP port and lets peers send. It
// is a no-op when the device is already up.
func (d *Device) Up() error {
	d.config.Lock()
	defer d.config.Unlock()
	return d.upLocked()
}

// Down takes the device down: it closes the UDP sockets, stops every
// peer's timers, and erases sessions, handshakes and staged packets, as
// if_wg does. It is a no-op when the device is already down.
func (d *Device) Down() error {
	d.config.Lock()
	defer d.config.Unlock()
	return d.downLocked()
}

// upLocked is Up with the configuration lock held.
func (d *Device) upLocked() error {
	if d.closed.Load() {
		return fmt.Errorf("bring device up: %w", ErrClosed)
	}
	if d.up.Load() {
		return nil
	}
	if err := d.openBind(d.net.port); err != nil {
		return fmt.Errorf("bring device up: %w", err)
	}
	d.up.Store(true)
	d.startReceivers()
	d.log.Verbosef("Interface up, listening on port %d", d.net.port)
	for p := d.firstPeer(); p != nil; p = p.nextPeer {
		if p.persistentKeepalive.Load() > 0 {
			p.sendKeepalive()
		}
	}
	return nil
}

// downLocked is Down with the configuration lock held.
func (d *Device) downLocked() error {
	if !d.up.Swap(false) {
		return nil
	}
	err := d.closeBind()
	for p := d.firstPeer(); p != nil; p = p.nextPeer {
		p.stop()
	}
	d.log.Verbosef("Interface down")
	if err != nil {
		return fmt.Errorf("bring device down: %w", err)
	}
	return nil
}

// Close takes the device down, removes every peer, closes the TUN and the
// bind, and waits for the engine's goroutines to exit. Later calls return
// nil.
func (d *Device) Close() error {
	d.config.Lock()
	if d.closed.Swap(true) {
		d.config.Unlock()
		return nil
	}
	err := d.downLocked()
	d.removeAllPeers()
	d.identity.Store(nil)
	clear(d.privateKey[:])
	close(d.closing)
	d.txPool.close()
	d.rxPool.close()
	d.stopLimiterGC()
	d.config.Unlock()

	if terr := d.tun.Close(); terr != nil && err == nil {
		err = fmt.Errorf("close tun: %w", terr)
	}
	if berr := d.bind.Close(); berr != nil && err == nil {
		err = fmt.Errorf("close bind: %w", berr)
	}
	d.goroutines.Wait()
	d.log.Verbosef("Device closed")
	return err
}

// Done returns a channel that is closed when the device closes, whether
// by Close or because its TUN failed.
func (d *Device) Done() <-chan struct{} {
	return d.closing
}

// routineTUNEvents follows the TUN's events: the MTU always, the link
// state unless IgnoreLinkEvents is set.
func (d *Device) routineTUNEvents(events <-chan tun.Event) {
	defer d.goroutines.Done()
	for ev := range events {
		switch ev {
		case tun.EventMTUUpdate:
			d.updateMTU()
		case tun.EventUp:
			if !d.ignoreLink {
				if err := d.Up(); err != nil && !d.closed.Load() {
					d.log.Errorf("Unable to bring up interface: %v", err)
				}
			}
		case tun.EventDown:
			if !d.ignoreLink {
				if err := d.Down(); err != nil {
					d.log.Errorf("Unable to bring down interface: %v", err)
				}
			}
		}
	}
}

// updateMTU reads the TUN's MTU and resizes the packet buffers to match.
func (d *Device) updateMTU() {
	mtu, err := d.tun.MTU()
	if err != nil || mtu <= 0 {
		if err != nil {
			d.log.Errorf("Unable to read MTU: %v", err)
		}
		return
	}
	if old := d.mtu.Swap(int32(mtu)); int(old) != mtu {
		d.log.Verbosef("MTU updated: %d", mtu)
		size := bufferSizeFor(mtu)
		d.txPool.setSize(size)
		d.rxPool.setSize(size)
	}
}

// isUnderLoad reports whether handshakes must carry a valid mac2: the
// handshake queue holds UnderLoadQueueLength messages or more, or did less
// than UnderLoadAfterTime ago.
func (d *Device) isUnderLoad() bool {
	now := d.clock.Now().UnixNano()
	if len(d.queues.handshake) >= UnderLoadQueueLength {
		d.underLoadUntil.Store(now + int64(UnderLoadAfterTime))
		return true
	}
	return d.underLoadUntil.Load() > now
}

// rateLimit consults the per-source rate limiter, keeping its garbage
// collection running while it tracks sources.
func (d *Device) rateLimit(src netip.Addr) bool {
	ok := d.limiter.Allow(src)
	d.limiterGC.Lock()
	if !d.limiterGC.running && !d.closed.Load() {
		d.limiterGC.running = true
		if d.limiterGC.timer == nil {
			d.limiterGC.timer = d.clock.AfterFunc(ratelimiter.ElementTimeout, d.limiterCollect)
		} else {
			d.limiterGC.timer.Reset(ratelimiter.ElementTimeout)
		}
	}
	d.limiterGC.Unlock()
	return ok
}

// limiterCollect runs the rate limiter's garbage collection once a second
// while it tracks any source.
func (d *Device) limiterCollect() {
	left := d.limiter.GC()
	d.limiterGC.Lock()
	defer d.limiterGC.Unlock()
	if left == 0 || d.closed.Load() {
		d.limiterGC.running = false
		return
	}
	d.limiterGC.timer.Reset(ratelimiter.ElementTimeout)
}

// stopLimiterGC stops the rate limiter's collection timer.
func (d *Device) stopLimiterGC() {
	d.limiterGC.Lock()
	defer d.limiterGC.Unlock()
	if d.limiterGC.timer != nil {
		d.limiterGC.timer.Stop()
	}
	d.limiterGC.running = false
}

// now returns the clock's current time.
func (d *Device) now() time.Time { return d.clock.Now() }
