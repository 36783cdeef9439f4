// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"
	"log"
	"log/syslog"

	"github.com/wgbsd/wgbsd/internal/control"
	"github.com/wgbsd/wgbsd/internal/device"
)

// logger is wgd's two-level log: errors always, routine events with -v.
// The packages it serves never pass it keys.
type logger struct {
	iface   string
	verbose bool
	// write writes one message; isErr tells errors from routine events.
	write func(isErr bool, msg string)
}

// newLogger returns a logger writing to w, as wgd does in the foreground.
func newLogger(o options, w io.Writer) *logger {
	l := log.New(w, "", log.LstdFlags)
	return &logger{iface: o.iface, verbose: o.verbose, write: func(isErr bool, msg string) {
		if isErr {
			msg = "error: " + msg
		}
		l.Print(msg)
	}}
}

// newSyslogLogger returns a logger writing to syslog, as wgd does in the
// background; without a syslog daemon it discards everything.
func newSyslogLogger(o options) *logger {
	l := &logger{iface: o.iface, verbose: o.verbose, write: func(bool, string) {}}
	w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_NOTICE, "wgd")
	if err != nil {
		return l
	}
	l.write = func(isErr bool, msg string) {
		if isErr {
			_ = w.Err(msg)
		} else {
			_ = w.Info(msg)
		}
	}
	return l
}

// Verbosef logs a routine event when -v was given.
func (l *logger) Verbosef(format string, args ...any) {
	if l.verbose {
		l.write(false, l.iface+": "+fmt.Sprintf(format, args...))
	}
}

// Errorf logs a failure.
func (l *logger) Errorf(format string, args ...any) {
	l.write(true, l.iface+": "+fmt.Sprintf(format, args...))
}

// control returns the logger for the control server.
func (l *logger) control() control.Logger {
	return control.Logger{Verbosef: l.Verbosef, Errorf: l.Errorf}
}

// device returns the logger for the engine.
func (l *logger) device() device.Logger {
	return device.Logger{Verbosef: l.Verbosef, Errorf: l.Errorf}
}
