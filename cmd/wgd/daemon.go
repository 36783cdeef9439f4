// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// Go cannot fork, so wgd detaches by starting a copy of itself in a new
// session with its standard streams on /dev/null and no other descriptor
// of its starter's. The copy learns that it
// is the daemon from readyEnv, which names the descriptor of a pipe to the
// starting process: it writes readyOK there once it serves the control
// socket, or its startup error, and closes it.

// readyEnv names the environment variable that marks the daemon copy.
const readyEnv = "WGD_READY_FD"

// readyOK is the daemon copy's message for a successful start.
const readyOK = "ok\n"

// maxReadyMessage bounds what the starting process reads from the pipe.
const maxReadyMessage = 4096

// readyFD returns the descriptor readyEnv names, if it names one.
func readyFD() (int, bool) {
	s := os.Getenv(readyEnv)
	if s == "" {
		return 0, false
	}
	fd, err := strconv.Atoi(s)
	if err != nil || fd < 3 {
		return 0, false
	}
	return fd, true
}

// daemonize starts the daemon copy with the same arguments and waits for
// its report: 0 when it serves the socket, 1 (after printing its error)
// when it failed.
func daemonize(args []string, stderr io.Writer) int {
	r, cmd, err := startDaemon(args)
	if err != nil {
		fmt.Fprintf(stderr, "wgd: failed to start the daemon: %v\n", err)
		return 1
	}
	defer r.Close()
	msg, _ := io.ReadAll(io.LimitReader(r, maxReadyMessage))
	switch {
	case string(msg) == readyOK:
		_ = cmd.Process.Release()
		return 0
	case len(msg) > 0:
		_ = cmd.Wait()
		fmt.Fprintf(stderr, "wgd: %s", msg)
		return 1
	}
	err = cmd.Wait()
	fmt.Fprintf(stderr, "wgd: the daemon exited during startup: %v\n", err)
	return 1
}

// startDaemon starts the daemon copy and returns the read end of its
// report pipe.
func startDaemon(args []string) (*os.File, *exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	closeInheritedOnExec()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), readyEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.ExtraFiles = []*os.File{w}
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		return nil, nil, err
	}
	return r, cmd, nil
}

// runDaemonChild runs the daemon copy, reporting on the descriptor fd.
func runDaemonChild(o options, fd int) int {
	os.Unsetenv(readyEnv)
	report := os.NewFile(uintptr(fd), "wgd-ready")
	log := newSyslogLogger(o)
	ready := func() {
		fmt.Fprint(report, readyOK)
		report.Close()
		report = nil
	}
	err := run(o, log, ready)
	if err == nil {
		return 0
	}
	if report != nil {
		fmt.Fprintf(report, "%v\n", err)
		report.Close()
	} else {
		log.Errorf("%v", err)
	}
	return 1
}
