// SPDX-License-Identifier: BSD-2-Clause

// Command hsflood floods a WireGuard daemon with valid handshake
// initiations from many peers over UDP and counts what it answers; it is
// the load generator of bench/handshakes.sh, built by that script.
//
// The keys of the daemon and of its peers derive from a seed, so that
//
//	hsflood conf -seed S -peers N -port P
//
// prints the daemon's configuration (wg setconf format) and
//
//	hsflood flood -seed S -peers N -target ADDR:PORT -count C -pid PID
//
// sends C initiations, peer after peer, keeping at most -window of them
// unanswered so that the daemon's handshake queue stays below its
// under-load mark (it then answers with responses, not cookie replies).
// The initiations are made before the flood and the responses checked
// after it (consumed as the initiator would, keypair and all), so the
// generator's own cryptography does not share the CPU with the daemon
// while it is measured. The daemon's CPU seconds are read from
// /proc/PID/stat just before the first initiation and just after the
// last answer.
//
// It prints one line of "name value" pairs: responses (valid),
// invalid (responses that did not verify), cookies (cookie replies), lost
// (initiations unanswered after -wait), seconds (wall time of the flood),
// cpu_s (the daemon's CPU seconds during it) and hs_per_cpu_s (valid
// responses per CPU second).
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wgbsd/wgbsd/internal/cookie"
	"github.com/wgbsd/wgbsd/internal/noise"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "conf":
		err = conf(os.Args[2:])
	case "flood":
		err = flood(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hsflood:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: hsflood conf -seed S -peers N -port P\n       hsflood flood -seed S -peers N -target ADDR:PORT [-count C] [-window W] [-wait D] [-time D] [-pid PID]")
	os.Exit(2)
}

// key derives the private key named by label from seed.
func key(seed, label string) noise.PrivateKey {
	return noise.PrivateKey(sha256.Sum256([]byte(seed + "/" + label)))
}

func peerKey(seed string, i int) noise.PrivateKey { return key(seed, "peer/"+strconv.Itoa(i)) }

func daemonKey(seed string) noise.PrivateKey { return key(seed, "daemon") }

// text encodes a key as wg(8) does; the daemon clamps a private key.
func text(k [noise.KeySize]byte) string { return base64.StdEncoding.EncodeToString(k[:]) }

func conf(args []string) error {
	fs := flag.NewFlagSet("conf", flag.ExitOnError)
	seed := fs.String("seed", "", "key seed")
	peers := fs.Int("peers", 1024, "number of peers")
	port := fs.Int("port", 51820, "listen port")
	_ = fs.Parse(args)
	if *seed == "" || *peers < 1 {
		return errors.New("conf: -seed and -peers > 0 needed")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[Interface]\nPrivateKey = %s\nListenPort = %d\n", text(daemonKey(*seed)), *port)
	for i := range *peers {
		fmt.Fprintf(&b, "\n[Peer]\nPublicKey = %s\n", text(peerKey(*seed, i).PublicKey()))
	}
	_, err := os.Stdout.WriteString(b.String())
	return err
}

// attempt is one initiation: the initiator's state, the message, and what
// came back.
type attempt struct {
	hs       *noise.Handshake
	msg      []byte
	sent     time.Time
	answered bool
	response []byte
}

func flood(args []string) error {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	seed := fs.String("seed", "", "key seed")
	peers := fs.Int("peers", 1024, "number of peers")
	target := fs.String("target", "", "daemon address:port")
	count := fs.Int("count", 10000, "initiations to send")
	window := fs.Int("window", 64, "initiations unanswered at most")
	wait := fs.Duration("wait", time.Second, "time after which an initiation counts as lost")
	limit := fs.Duration("time", 60*time.Second, "time the flood may take at most")
	pid := fs.Int("pid", 0, "daemon process whose CPU time to read (0: none)")
	_ = fs.Parse(args)
	if *seed == "" || *peers < 1 || *count < 1 || *window < 1 {
		return errors.New("flood: -seed, -peers > 0, -count > 0 and -window > 0 needed")
	}
	dst, err := netip.ParseAddrPort(*target)
	if err != nil {
		return fmt.Errorf("flood: -target: %w", err)
	}
	remote := daemonKey(*seed).PublicKey()
	attempts, err := prepare(*seed, *peers, *count, remote)
	if err != nil {
		return err
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
	if err != nil {
		return fmt.Errorf("flood: %w", err)
	}
	defer c.Close()

	cpu0, err := cpuSeconds(*pid)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := run(c, attempts, *window, *wait, start.Add(*limit))
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	cpu1, err := cpuSeconds(*pid)
	if err != nil {
		return err
	}
	valid, invalid := verify(attempts)
	cpu := cpu1 - cpu0
	rate := 0.0
	if cpu > 0 {
		rate = float64(valid) / cpu
	}
	fmt.Printf("sent %d responses %d invalid %d cookies %d lost %d seconds %.3f cpu_s %.3f hs_per_cpu_s %.1f\n",
		st.sent, valid, invalid, st.cookies, st.lost, elapsed.Seconds(), cpu, rate)
	return nil
}

// prepare makes count initiations, the i-th from peer i mod peers. Each
// has a handshake state of its own, whose clock stamps the j-th
// initiation of a peer 50 ms after its (j-1)-th: the daemon accepts only
// timestamps later than the last one of the peer, at a granularity of
// 2^24 ns in wireguard-go.
func prepare(seed string, peers, count int, remote noise.PublicKey) ([]attempt, error) {
	ids := make([]*noise.StaticIdentity, min(peers, count))
	for i := range ids {
		id, err := noise.NewStaticIdentity(peerKey(seed, i))
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	base := time.Now()
	attempts := make([]attempt, count)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := cookie.NewGenerator(remote, nil)
			for i := w; i < count; i += workers {
				stamp := base.Add(time.Duration(i/peers) * 50 * time.Millisecond)
				hs := noise.NewHandshake(ids[i%peers], remote, noise.PresharedKey{}, func() time.Time { return stamp })
				m, err := hs.CreateInitiation(uint32(i + 1))
				var b []byte
				if err == nil {
					b, err = m.MarshalBinary()
				}
				if err == nil {
					err = gen.AddMACs(b)
				}
				if err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
					return
				}
				attempts[i] = attempt{hs: hs, msg: b}
			}
		}()
	}
	wg.Wait()
	return attempts, first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// stats counts the outcome of a flood.
type stats struct {
	sent, cookies, lost int
}

// run sends the initiations, at most window of them unanswered, until all
// are answered or lost or until deadline.
func run(c *net.UDPConn, attempts []attempt, window int, wait time.Duration, deadline time.Time) (stats, error) {
	type reply struct {
		b   []byte
		err error
	}
	replies := make(chan reply, window)
	done := make(chan struct{})
	defer close(done)
	// The reader stops at its first error: the deadline set when run
	// returns, or a receive error, which ends the flood.
	go func() {
		for {
			b := make([]byte, 256)
			n, err := c.Read(b)
			select {
			case replies <- reply{b[:n], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer c.SetReadDeadline(time.Now())

	var st stats
	outstanding := 0
	oldest := 0 // the first attempt that may be unanswered
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for st.sent < len(attempts) || outstanding > 0 {
		now := time.Now()
		if now.After(deadline) {
			st.lost += outstanding
			break
		}
		for outstanding < window && st.sent < len(attempts) {
			a := &attempts[st.sent]
			a.sent = now
			if _, err := c.Write(a.msg); err != nil {
				return st, fmt.Errorf("flood: send: %w", err)
			}
			st.sent++
			outstanding++
		}
		for oldest < st.sent && attempts[oldest].answered {
			oldest++
		}
		if oldest < st.sent {
			timer.Reset(attempts[oldest].sent.Add(wait).Sub(now))
		}
		select {
		case r := <-replies:
			if r.err != nil {
				return st, fmt.Errorf("flood: receive: %w", r.err)
			}
			t, err := noise.ParseMessageType(r.b)
			if err != nil || len(r.b) < 8 {
				continue
			}
			i := int(binary.LittleEndian.Uint32(r.b[4:8])) - 1 // cookie reply: receiver
			if t == noise.MessageResponseType {
				i = int(binary.LittleEndian.Uint32(r.b[8:12])) - 1
			}
			if i < 0 || i >= st.sent || attempts[i].answered {
				continue
			}
			switch t {
			case noise.MessageResponseType:
				attempts[i].response = r.b
			case noise.MessageCookieReplyType:
				st.cookies++
			default:
				continue
			}
			attempts[i].answered = true
			outstanding--
		case <-timer.C:
			for oldest < st.sent && (attempts[oldest].answered || time.Since(attempts[oldest].sent) >= wait) {
				if !attempts[oldest].answered {
					attempts[oldest].answered = true
					st.lost++
					outstanding--
				}
				oldest++
			}
		}
	}
	return st, nil
}

// verify consumes every response as the initiator would and counts those
// that complete the handshake with a keypair.
func verify(attempts []attempt) (valid, invalid int) {
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, bad := 0, 0
			for i := w; i < len(attempts); i += workers {
				a := &attempts[i]
				if a.response == nil {
					continue
				}
				var m noise.MessageResponse
				if m.UnmarshalBinary(a.response) != nil {
					bad++
					continue
				}
				if kp, err := a.hs.ConsumeResponse(&m); err != nil || kp == nil {
					bad++
					continue
				}
				v++
			}
			mu.Lock()
			valid += v
			invalid += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return valid, invalid
}

// cpuSeconds reads the CPU seconds of process pid from /proc/PID/stat;
// 0 for pid 0.
func cpuSeconds(pid int) (float64, error) {
	if pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("flood: %w", err)
	}
	s, err := parseStat(string(b))
	if err != nil {
		return 0, fmt.Errorf("flood: /proc/%d/stat: %w", pid, err)
	}
	return s, nil
}

// parseStat returns the user plus system time, in seconds, of a line of
// /proc/PID/stat: fields 14 and 15, in clock ticks of 1/100 s (USER_HZ).
// The command name, field 2, is in parentheses and may hold spaces and
// parentheses itself, so the fields are counted after the last ')'.
func parseStat(s string) (float64, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("no command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("too few fields")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	k, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(u+k) / 100, nil
}
