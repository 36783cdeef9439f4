// SPDX-License-Identifier: BSD-2-Clause

package control

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/wgbsd/wgbsd/ifwg"
)

// Defaults of a Server's limits.
const (
	// DefaultIdleTimeout is how long a connection may stay without
	// sending a byte, between or inside requests, before it is closed.
	DefaultIdleTimeout = time.Minute
	// DefaultWriteTimeout is how long a client may leave a reply
	// unread, per 64 KiB, before its connection is closed.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMaxUnprivileged is how many connections of unprivileged
	// callers may be open at once; root's connections are not counted.
	DefaultMaxUnprivileged = 32
)

// Server answers control requests against an Engine: each connection in
// its own goroutine, in the protocol its first line selects.
type Server struct {
	// IdleTimeout, WriteTimeout and MaxUnprivileged are the limits
	// above; NewServer sets the defaults, zero means no limit. Change
	// them before the first Serve or Start.
	IdleTimeout     time.Duration
	WriteTimeout    time.Duration
	MaxUnprivileged int

	engine Engine
	log    Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	unpriv int
	closed bool
	wg     sync.WaitGroup
}

// NewServer returns a Server for e with the default limits.
func NewServer(e Engine, log Logger) *Server {
	return &Server{
		IdleTimeout:     DefaultIdleTimeout,
		WriteTimeout:    DefaultWriteTimeout,
		MaxUnprivileged: DefaultMaxUnprivileged,
		engine:          e,
		log:             log,
		conns:           map[net.Conn]struct{}{},
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
		uid, err := peerUID(c)
		if err != nil {
			s.log.errorf("control: peer credentials: %v", err)
		}
		s.Start(c, err == nil && privilegedUID(uid))
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

// Start serves one connection in a new goroutine, as a privileged or an
// unprivileged caller's. It closes c at once when the server is closed or
// has as many unprivileged connections as it allows.
func (s *Server) Start(c net.Conn, priv bool) {
	if !s.track(c, priv) {
		c.Close()
		return
	}
	go func() {
		defer s.wg.Done()
		defer s.untrack(c, priv)
		defer c.Close()
		conn := &deadlineConn{Conn: c, idle: s.IdleTimeout, write: s.WriteTimeout}
		if err := s.serveStream(bufio.NewReader(conn), conn, priv); err != nil {
			s.log.verbosef("control: connection closed: %v", err)
		}
	}()
}

// track records a new connection, or reports false when it must be
// refused.
func (s *Server) track(c net.Conn, priv bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (!priv && s.MaxUnprivileged > 0 && s.unpriv >= s.MaxUnprivileged) {
		return false
	}
	if !priv {
		s.unpriv++
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// untrack forgets a connection that ended.
func (s *Server) untrack(c net.Conn, priv bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !priv {
		s.unpriv--
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

// deadlineConn gives each read the idle timeout and each chunk of a write
// the write timeout, so that a connection is closed only when it makes no
// progress.
type deadlineConn struct {
	net.Conn
	idle, write time.Duration
}

// Read reads with the idle deadline.
func (c *deadlineConn) Read(b []byte) (int, error) {
	if c.idle > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}

// Write writes b in chunks, each with the write deadline. A reply of up
// to 64 KiB, such as every UAPI set reply, leaves in one write.
func (c *deadlineConn) Write(b []byte) (int, error) {
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
