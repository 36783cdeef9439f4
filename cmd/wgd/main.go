// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/wgbsd/wgbsd/internal/version"
)

// options are the parsed command line.
type options struct {
	foreground bool
	verbose    bool
	socketDir  string // empty for ifwg.DefaultSocketDir
	iface      string
}

// errUsage reports a command line wgd does not accept.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func main() {
	os.Exit(wgdMain(os.Args[1:], os.Stdout, os.Stderr))
}

// wgdMain runs wgd with the arguments after the program name and returns
// the exit status.
func wgdMain(args []string, stdout, stderr io.Writer) int {
	o, done, err := parseArgs(args, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "wgd: %v\n", err)
		usage(stderr)
		return 1
	}
	if done {
		return 0
	}
	if fd, ok := readyFD(); ok {
		return runDaemonChild(o, fd)
	}
	if !o.foreground {
		return daemonize(args, stderr)
	}
	if err := run(o, newLogger(o, stderr), func() {}); err != nil {
		fmt.Fprintf(stderr, "wgd: %v\n", err)
		return 1
	}
	return 0
}

// parseArgs parses the command line. done is set when a flag such as -h
// was answered and nothing more is to be done.
func parseArgs(args []string, stdout io.Writer) (o options, done bool, err error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		if dir, ok := strings.CutPrefix(a, "--socket-dir="); ok && dir != "" {
			// Absolute now: the detached daemon runs in /.
			if o.socketDir, err = filepath.Abs(dir); err != nil {
				return o, false, fmt.Errorf("--socket-dir: %w", err)
			}
			continue
		}
		switch a {
		case "-h", "--help":
			usage(stdout)
			return o, true, nil
		case "-V", "--version":
			fmt.Fprintf(stdout, "wgd %s (%s, %s/%s)\n", version.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return o, true, nil
		case "--foreground":
			o.foreground = true
			continue
		case "--verbose":
			o.verbose = true
			continue
		}
		if err := parseShortFlags(a, &o); err != nil {
			return o, false, err
		}
	}
	if len(rest) != 1 {
		return o, false, errUsage{"expected exactly one interface name"}
	}
	o.iface = rest[0]
	return o, false, nil
}

// parseShortFlags parses a group of single-letter flags such as "-fv".
func parseShortFlags(a string, o *options) error {
	for _, c := range a[1:] {
		switch c {
		case 'f':
			o.foreground = true
		case 'v':
			o.verbose = true
		default:
			return errUsage{fmt.Sprintf("unknown option %q", a)}
		}
	}
	return nil
}

// usage writes the usage text.
func usage(w io.Writer) {
	fmt.Fprint(w, `usage: wgd [-f] [-v] <interface>
       wgd -V

  -f, --foreground  stay in the foreground instead of detaching
  -v, --verbose     log routine events as well as errors
  --socket-dir=DIR  serve the control socket in DIR, not /var/run/wireguard
  -V, --version     print the version and exit
  -h, --help        print this help and exit

wgd creates the tun interface <interface>, runs WireGuard on it and serves
its control socket, /var/run/wireguard/<interface>.sock, to wg(8). Remove
the socket, or send SIGTERM, to stop it.
`)
}
