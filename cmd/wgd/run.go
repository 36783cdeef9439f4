// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/wgbsd/wgbsd/ifwg"
	"github.com/wgbsd/wgbsd/internal/conn"
	"github.com/wgbsd/wgbsd/internal/control"
	"github.com/wgbsd/wgbsd/internal/device"
	"github.com/wgbsd/wgbsd/internal/tun"
)

// defaultMTU is if_wg's default MTU: Ethernet's 1500 less 80 bytes of
// WireGuard and IPv6/UDP overhead.
const defaultMTU = 1420

// errNotRoot reports a start by another user than root.
var errNotRoot = errors.New("must be run as root")

// errDestroyed reports an engine that closed itself: its tun failed, as
// when the interface is destroyed under wgd.
var errDestroyed = errors.New("the interface was destroyed or its tun device failed")

// run starts wgd for o.iface, calls ready once the control socket is
// served, and returns when wgd has been asked to stop and has cleaned up:
// nil after a clean stop, otherwise why it could not start or serve.
func run(o options, log *logger, ready func()) error {
	if err := control.ValidInterfaceName(o.iface); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(stop)

	dir := cmp.Or(o.socketDir, ifwg.DefaultSocketDir)
	l, err := control.Listen(dir, o.iface)
	if errors.Is(err, control.ErrInUse) {
		return fmt.Errorf("interface %s is already served by a running daemon (%s in use)",
			o.iface, control.SocketPath(dir, o.iface))
	}
	if err != nil {
		return err
	}
	dev, err := startEngine(o.iface, log)
	if err != nil {
		l.Close()
		return err
	}
	srv := control.NewServer(control.DeviceEngine(dev), log.control())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	log.Verbosef("serving %s", l.Path())
	ready()

	serving, err := waitStop(log, stop, l, dev, served)
	l.Close()
	if serving {
		if serr := <-served; err == nil {
			err = serr
		}
	}
	srv.Close()
	if cerr := dev.Close(); cerr != nil {
		log.Errorf("closing the interface: %v", cerr)
	}
	return err
}

// socketPath returns the control socket path of an interface.
func socketPath(iface string) string {
	return control.SocketPath(ifwg.DefaultSocketDir, iface)
}

// waitStop waits for a reason to stop and logs it. It returns whether the
// control server is still serving, and the error to exit with.
func waitStop(log *logger, stop <-chan os.Signal, l *control.Listener, dev *device.Device, served <-chan error) (bool, error) {
	select {
	case sig := <-stop:
		log.Verbosef("stopping on %v", sig)
	case <-l.Removed():
		log.Verbosef("stopping: %s was removed", l.Path())
	case <-dev.Done():
		return true, errDestroyed
	case err := <-served:
		return false, fmt.Errorf("control socket failed: %w", err)
	}
	return true, nil
}

// offloadsEnv names the environment variable that turns the Linux tun
// and UDP offloads off ("off") for measurements: one packet per tun read
// and write on a tun without the virtio header, and FreeBSD's UDP code,
// one recvmsg or sendto per datagram.
const offloadsEnv = "WGD_OFFLOADS"

// startEngine creates the tun interface and the engine on it.
func startEngine(iface string, log *logger) (*device.Device, error) {
	switch v := os.Getenv(offloadsEnv); v {
	case "", "on":
	case "off":
		tun.SetOffloads(false)
		conn.SetOffloads(false)
		log.Verbosef("offloads off: one packet per tun read and write, FreeBSD's UDP loop")
	default:
		return nil, fmt.Errorf("%s=%q: want on or off", offloadsEnv, v)
	}
	t, err := tun.Create(iface, defaultMTU)
	if err != nil {
		return nil, err
	}
	dev := device.NewDevice(t, conn.NewBind(), device.Options{Logger: log.device()})
	log.Verbosef("created interface %s", t.Name())
	return dev, nil
}
