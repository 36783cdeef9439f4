// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// Defaults of a Server's limits.
const (
	// DefaultRequestTimeout is how long a connection has, from its
	// start or its last reply, to send a whole request. Sending slowly
	// does not extend it.
	DefaultRequestTimeout = time.Minute
	// DefaultWriteTimeout is how long a client may leave a reply
	// unread, per 64 KiB, before its connection is closed.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMaxPerUser is how many connections one unprivileged user
	// may have open at once.
	DefaultMaxPerUser = 8
	// DefaultMaxUnprivileged is how many connections all unprivileged
	// users together may have open at once. Privileged callers'
	// connections are not counted: root is never locked out.
	DefaultMaxUnprivileged = 256
)

// unknownUID counts the connections of callers whose credentials could
// not be read, served as unprivileged: (uid_t)-1, which no user has.
const unknownUID = ^uint32(0)

// Caller is who is at the other end of a connection, as the kernel
// recorded it when the connection was made.
type Caller struct {
	// UID is the caller's effective user ID.
	UID uint32
	// Privileged reports whether the caller has what the kernel's
	// PRIV_NET_WG check asks: it may change the interface and read its
	// keys.
	Privileged bool
	// Unverified, for root that is not Privileged, says why its
	// privilege could not be checked (reasonNoPid, reasonNoProc); it is
	// empty otherwise.
	Unverified string
}

// Server answers control requests against an Engine: each connection in
// its own goroutine, in the protocol its first line selects.
type Server struct {
	// RequestTimeout, WriteTimeout, MaxPerUser and MaxUnprivileged are
	// the limits above; NewServer sets the defaults, zero means no
	// limit. Change them before the first Serve or Start.
	RequestTimeout  time.Duration
	WriteTimeout    time.Duration
	MaxPerUser      int
	MaxUnprivileged int

	engine Engine
	log    Logger
	// releaseMemory returns freed memory to the system after a large
	// SET (see largeSet); debug.FreeOSMemory but in tests.
	releaseMemory func()

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	unpriv  int
	perUser map[uint32]int
	// unverifiedOnce logs the first root caller refused as Unverified.
	unverifiedOnce sync.Once
	// refusing counts the connections refuse is answering.
	refusing int
	closed   bool
	wg       sync.WaitGroup
}

// NewServer returns a Server for e with the default limits.
func NewServer(e Engine, log Logger) *Server {
	return &Server{
		RequestTimeout:  DefaultRequestTimeout,
		WriteTimeout:    DefaultWriteTimeout,
		MaxPerUser:      DefaultMaxPerUser,
		MaxUnprivileged: DefaultMaxUnprivileged,
		engine:          e,
		log:             log,
		releaseMemory:   debug.FreeOSMemory,
		conns:           map[net.Conn]struct{}{},
		perUser:         map[uint32]int{},
	}
}

// Serve accepts connections on l until l is closed, which returns nil,
// or accepting fails for good. While the process is out of descriptors or
// memory it waits, up to a second at a time, for connections to end.
func (s *Server) Serve(l *Listener) error {
	var backoff time.Duration
	for {
		c, err := l.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if !acceptRetryable(err) {
				return fmt.Errorf("failed to accept control connection: %w", err)
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.errorf("control: accept: %v", err)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		who, err := peerCaller(c)
		if err != nil {
			s.log.errorf("control: peer credentials: %v", err)
			who = Caller{UID: unknownUID}
		}
		s.Start(c, who)
	}
}

// acceptRetryable reports an accept failure that passes once connections
// end.
func acceptRetryable(err error) bool {
	for _, en := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, en) {
			return true
		}
	}
	return false
}

// Start serves one connection in a new goroutine, as who's. It closes c
// at once when the server is closed. When c would be more unprivileged
// connections than the server allows, of who's user or of all users, c
// gets errTooMany in the protocol it speaks (refuse), then is closed.
func (s *Server) Start(c net.Conn, who Caller) {
	if who.Unverified != "" {
		s.unverifiedOnce.Do(func() {
			s.log.errorf("control: root (uid 0) is treated as unprivileged: %s", who.Unverified)
		})
	}
	switch s.track(c, who) {
	case trackClosed:
		c.Close()
		return
	case trackOver:
		s.refuse(c)
		return
	}
	go func() {
		defer s.wg.Done()
		defer s.untrack(c, who)
		defer c.Close()
		conn := &deadlineConn{Conn: c, request: s.RequestTimeout, write: s.WriteTimeout}
		if err := s.serveStream(bufio.NewReader(conn), conn, who.Privileged); err != nil {
			s.log.verbosef("control: connection closed: %v", err)
		}
	}()
}

// trackResult is what track decided of a new connection.
type trackResult int

const (
	trackServed trackResult = iota // recorded: serve it
	trackClosed                    // the server is closed
	trackOver                      // over the caller's share
)

// track records a new connection, or reports why it must be refused.
func (s *Server) track(c net.Conn, who Caller) trackResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return trackClosed
	}
	if !who.Privileged {
		if s.MaxUnprivileged > 0 && s.unpriv >= s.MaxUnprivileged {
			return trackOver
		}
		if s.MaxPerUser > 0 && s.perUser[who.UID] >= s.MaxPerUser {
			return trackOver
		}
		s.unpriv++
		s.perUser[who.UID]++
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return trackServed
}

// maxRefusing bounds the connections being told errTooMany at once;
// beyond it, one over its share is closed without a word. refuseTimeout
// bounds each.
const (
	maxRefusing   = 8
	refuseTimeout = time.Second
)

// refuse tells c, which is over its caller's share, errTooMany in the
// protocol its first line selects, and closes it: a client then reports
// "Too many users" instead of mistaking the closed connection for a
// UAPI-only daemon.
func (s *Server) refuse(c net.Conn) {
	s.mu.Lock()
	ok := s.refusing < maxRefusing && !s.closed
	if ok {
		s.refusing++
		s.conns[c] = struct{}{}
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if !ok {
		c.Close()
		return
	}
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			s.refusing--
			delete(s.conns, c)
			s.mu.Unlock()
		}()
		defer c.Close()
		c.SetDeadline(time.Now().Add(refuseTimeout))
		br := bufio.NewReaderSize(c, 16)
		first, _ := br.ReadSlice('\n')
		if _, err := c.Write(refusalReply(first)); err != nil {
			return
		}
		// Read the rest of the request, so that closing does not reset the
		// connection before the client has read the reply.
		io.Copy(io.Discard, io.LimitReader(br, 1<<20))
	}()
}

// refusalReply is the reply that tells a client speaking the protocol
// its first bytes select that it has too many connections.
func refusalReply(first []byte) []byte {
	if string(first) == ifwg.ControlHello {
		var b bytes.Buffer
		ifwg.WriteControlReply(&b, errTooMany, nil)
		return b.Bytes()
	}
	return ifwg.MarshalUAPIErrno(errTooMany)
}

// untrack forgets a connection that ended.
func (s *Server) untrack(c net.Conn, who Caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !who.Privileged {
		s.unpriv--
		if s.perUser[who.UID]--; s.perUser[who.UID] == 0 {
			delete(s.perUser, who.UID)
		}
	}
	delete(s.conns, c)
}

// Close closes every open connection and waits until their goroutines
// have finished, so that the engine is no longer used when it returns.
// Close does not close the Listener.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// serveStream serves one connection's byte stream: "nvlist=1\n" selects
// the nvlist framing, anything else is handed to the UAPI server, which
// closes the connection on a first line other than get=1 or set=1. It
// returns nil when the client closed the connection between requests.
func (s *Server) serveStream(br *bufio.Reader, w io.Writer, priv bool) error {
	first, err := br.Peek(1)
	if err != nil {
		return nil
	}
	if first[0] != ifwg.ControlHello[0] {
		return ifwg.ServeUAPI(br, w, uapiHandler{s: s, priv: priv})
	}
	line, err := br.ReadSlice('\n')
	if err != nil || string(line) != ifwg.ControlHello {
		return fmt.Errorf("invalid first line: %w", errFraming)
	}
	return s.serveNVList(br, w, priv)
}

// writeChunk is the most a deadlineConn writes under one deadline.
const writeChunk = 64 << 10

// deadlineConn bounds each request as a whole: its reads share one
// deadline, set by the first read after the connection's start or its last
// reply, so that sending a byte now and then does not keep a connection.
// Each chunk of a write gets the write timeout, so that a reply is cut
// only when the client reads nothing.
type deadlineConn struct {
	net.Conn
	request, write time.Duration
	armed          bool // the current request's read deadline is set
}

// Read reads under the current request's deadline.
func (c *deadlineConn) Read(b []byte) (int, error) {
	if c.request > 0 && !c.armed {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.request)); err != nil {
			return 0, err
		}
		c.armed = true
	}
	return c.Conn.Read(b)
}

// Write writes b in chunks, each with the write deadline. A reply of up
// to 64 KiB, such as every UAPI set reply, leaves in one write.
func (c *deadlineConn) Write(b []byte) (int, error) {
	c.armed = false // a reply: the next request gets a deadline of its own
	n := 0
	for n < len(b) {
		if c.write > 0 {
			if err := c.Conn.SetWriteDeadline(time.Now().Add(c.write)); err != nil {
				return n, err
			}
		}
		m, err := c.Conn.Write(b[n:min(len(b), n+writeChunk)])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// errTooMany is the errno a connection over the caller's share gets:
// strerror gives "Too many users", which says what happened, where
// closing without a word made a client take the daemon for a UAPI-only
// one.
const errTooMany = syscall.EUSERS
