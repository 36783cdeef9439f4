// SPDX-License-Identifier: BSD-2-Clause

// Command wg configures WireGuard interfaces, as wg(8) does, on every
// backend ifwg reaches.
//
// Its grammar, output, error texts and exit statuses are those of wg(8)
// from wireguard-tools v1.0.20210914, byte for byte; only --version names
// wgbsd. The command tree is built with cobra for structure and shell
// completion, never for parsing: every command takes its arguments raw.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/spf13/cobra"

	"github.com/wgbsd/wgbsd/ifwg"
)

// subcommands is wg's dispatch table, in the order of the usage text.
var subcommands = []struct {
	name, desc string
	run        subcommand
}{
	{"show", "Shows the current configuration and device information", cmdShow},
	{"showconf", "Shows the current configuration of a given WireGuard interface, for use with `setconf'", cmdShowconf},
	{"set", "Change the current configuration, add peers, remove peers, or change peers", cmdSet},
	{"setconf", "Applies a configuration file to a WireGuard interface", cmdSetconf},
	{"addconf", "Appends a configuration file to a WireGuard interface", cmdAddconf},
	{"syncconf", "Synchronizes a configuration file to a WireGuard interface", cmdSyncconf},
	{"genkey", "Generates a new private key and writes it to stdout", cmdGenkey},
	{"genpsk", "Generates a new preshared key and writes it to stdout", cmdGenpsk},
	{"pubkey", "Reads a private key from stdin and writes a public key to stdout", cmdPubkey},
}

func main() {
	// wg runs once and exits: collecting garbage only costs time, so
	// collect only when the heap nears a ceiling far above what even a
	// dump of a million peers needs.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)
	e, done := processEnv()
	code := run(e, os.Args[1:])
	done()
	os.Exit(code)
}

// processEnv returns the env of this process and a function that flushes
// standard output and closes the backend.
func processEnv() (*env, func()) {
	prog := ""
	if len(os.Args) > 0 {
		prog = os.Args[0]
	}
	tty := isTerminal(int(os.Stdout.Fd()))
	var stdout io.Writer = os.Stdout
	var buf *stdioWriter
	if !tty {
		buf = newStdioWriter(os.Stdout, stdioBlockSize(int(os.Stdout.Fd())))
		stdout = buf
	}
	be := &lazyBackend{}
	e := &env{
		prog:        prog,
		stdin:       os.Stdin,
		stdout:      stdout,
		stderr:      os.Stderr,
		getenv:      os.Getenv,
		lookupEnv:   os.LookupEnv,
		now:         wallClock,
		stdoutIsTTY: tty,
		stdoutStat:  os.Stdout.Stat,
		backend:     be.get,
	}
	be.resolve = e.replyResolver()
	return e, func() {
		if buf != nil {
			buf.Flush()
		}
		be.close()
	}
}

// stdioWriter buffers a standard output that is not a terminal as the C
// library's stdio does: in blocks of the file's preferred I/O size, a full
// block being written out only when more output follows, the rest at
// exit. So when stdout and stderr go to one file, what wg writes to stderr
// lands at the same place among stdout's bytes as with wg(8). Write errors
// are dropped, as wg(8) ignores them.
type stdioWriter struct {
	w   io.Writer
	buf []byte
}

// newStdioWriter returns a stdioWriter with blocks of size bytes.
func newStdioWriter(w io.Writer, size int) *stdioWriter {
	return &stdioWriter{w: w, buf: make([]byte, 0, size)}
}

// Write buffers p.
func (s *stdioWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(s.buf) == cap(s.buf) {
			s.Flush()
		}
		k := min(len(p), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// Flush writes out what is buffered.
func (s *stdioWriter) Flush() {
	if len(s.buf) > 0 {
		s.w.Write(s.buf)
		s.buf = s.buf[:0]
	}
}

// lazyBackend opens the backend on first use, once.
type lazyBackend struct {
	// resolve resolves the endpoints of UAPI get replies.
	resolve ifwg.EndpointResolver
	once    sync.Once
	b       ifwg.Backend
	closer  func()
	err     error
}

// get returns the backend, opening it on the first call.
func (l *lazyBackend) get() (ifwg.Backend, error) {
	l.once.Do(func() {
		l.b, l.closer, l.err = openBackend(l.resolve)
	})
	return l.b, l.err
}

// close releases the backend if it was opened.
func (l *lazyBackend) close() {
	l.once.Do(func() {})
	if l.closer != nil {
		l.closer()
	}
}

// run executes wg with args (argv without argv[0]) and returns the exit
// status.
func run(e *env, args []string) int {
	status := 0
	root := newRootCommand(e, &status)
	if len(args) > 0 && !routable(root, args[0]) {
		// cobra looks past words that seem to be flags ("--x=1", "-abc",
		// "") for a subcommand, so "wg --x=1 show" would run show; wg(8)
		// only ever looks at argv[1]. The root handles every other case
		// itself.
		return topLevel(e, args)
	}
	// A nil slice would make cobra read os.Args.
	root.SetArgs(append([]string{}, args...))
	if err := root.Execute(); err != nil {
		return reportTopLevel(e, err)
	}
	return status
}

// routable reports whether word, as argv[1], names one of root's commands
// (the hidden completion and help commands included).
func routable(root *cobra.Command, word string) bool {
	if word == cobra.ShellCompRequestCmd || word == cobra.ShellCompNoDescRequestCmd {
		return true
	}
	return slices.ContainsFunc(root.Commands(), func(c *cobra.Command) bool { return c.Name() == word })
}

// newRootCommand builds the command tree. Each command stores its exit
// status in *status.
func newRootCommand(e *env, status *int) *cobra.Command {
	root := &cobra.Command{
		Use:                "wg",
		Short:              "Configure WireGuard interfaces",
		Args:               topLevelArgs,
		DisableFlagParsing: true,
		SilenceErrors:      true,
		SilenceUsage:       true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		ValidArgsFunction:  cobra.NoFileCompletions,
		Run:                func(_ *cobra.Command, args []string) { *status = topLevel(e, args) },
	}
	root.SetHelpCommand(&cobra.Command{
		Use:                "help",
		Short:              "Shows the usage",
		Hidden:             true,
		DisableFlagParsing: true,
		ValidArgsFunction:  cobra.NoFileCompletions,
		Run: func(_ *cobra.Command, args []string) {
			*status = topLevel(e, append([]string{"help"}, args...))
		},
	})
	for _, sc := range subcommands {
		root.AddCommand(&cobra.Command{
			Use:                sc.name,
			Short:              sc.desc,
			Args:               cobra.ArbitraryArgs,
			DisableFlagParsing: true,
			ValidArgsFunction:  completer(e, sc.name),
			Run: func(_ *cobra.Command, args []string) {
				*status = sc.run(e, append([]string{sc.name}, args...))
			},
		})
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	return root
}

// invalidSubcommandError is a first argument wg does not know.
type invalidSubcommandError struct{ word string }

// Error returns wg(8)'s message.
func (err *invalidSubcommandError) Error() string {
	return "Invalid subcommand: `" + err.word + "'"
}

// topLevelArgs accepts what the root itself handles: nothing (show), or
// one help or version word.
func topLevelArgs(_ *cobra.Command, args []string) error {
	if len(args) == 0 || len(args) == 1 && (isHelpWord(args[0]) || isVersionWord(args[0])) {
		return nil
	}
	return &invalidSubcommandError{word: args[0]}
}

// isVersionWord reports whether s asks for the version.
func isVersionWord(s string) bool { return s == "-v" || s == "--version" || s == "version" }

// topLevel handles argv that names no subcommand: none runs show, a lone
// help word prints the usage to stdout, a lone version word the version
// line, anything else is an invalid subcommand.
func topLevel(e *env, args []string) int {
	if err := topLevelArgs(nil, args); err != nil {
		return reportTopLevel(e, err)
	}
	switch {
	case len(args) == 0:
		return cmdShow(e, []string{"show"})
	case isVersionWord(args[0]):
		io.WriteString(e.stdout, versionLine())
	default:
		writeUsage(e.stdout, e.prog)
	}
	return 0
}

// reportTopLevel prints an error of the command tree and returns status 1:
// an invalid subcommand with the usage, as wg(8) does, anything else (a
// failed completion request) as it is.
func reportTopLevel(e *env, err error) int {
	var inv *invalidSubcommandError
	if errors.As(err, &inv) {
		fmt.Fprintln(e.stderr, inv.Error())
		writeUsage(e.stderr, e.prog)
		return 1
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", e.prog, err)
	return 1
}

// openBackend opens the backend wg talks to, a live socket's daemon or
// the kernel for each interface, resolving the endpoints of UAPI get
// replies with resolve, and returns a function that releases it.
func openBackend(resolve ifwg.EndpointResolver) (ifwg.Backend, func(), error) {
	c, err := ifwg.NewClient()
	if err != nil {
		return nil, nil, err
	}
	c.Sockets.ResolveEndpoint = resolve
	return c, func() { c.Close() }, nil
}
