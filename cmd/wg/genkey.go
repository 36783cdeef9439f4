// SPDX-License-Identifier: BSD-2-Clause

package main

import (
	"fmt"
	"io"

	"github.com/wgbsd/wgbsd/ifwg"
)

// cmdGenkey prints a new random private key: `wg genkey`.
func cmdGenkey(e *env, args []string) int {
	return generate(e, args, ifwg.GeneratePrivateKey)
}

// cmdGenpsk prints a new random preshared key: `wg genpsk`.
func cmdGenpsk(e *env, args []string) int {
	return generate(e, args, ifwg.GeneratePresharedKey)
}

// generate is genkey or genpsk: it warns when standard output is a file
// others may read, then prints a key from gen.
func generate(e *env, args []string, gen func() (ifwg.Key, error)) int {
	if len(args) != 1 {
		fmt.Fprintf(e.stderr, "Usage: %s %s\n", e.prog, args[0])
		return 1
	}
	if stdoutWorldAccessible(e) {
		fmt.Fprint(e.stderr, "Warning: writing to world accessible file.\n"+
			"Consider setting the umask to 077 and trying again.\n")
	}
	k, err := gen()
	if err != nil {
		fmt.Fprintf(e.stderr, "getrandom: %s\n", strerror(err))
		return 1
	}
	fmt.Fprintln(e.stdout, k.String())
	return 0
}

// stdoutWorldAccessible reports whether standard output is a regular file
// with any permission for others.
func stdoutWorldAccessible(e *env) bool {
	if e.stdoutStat == nil {
		return false
	}
	fi, err := e.stdoutStat()
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o007 != 0
}

// cmdPubkey reads a private key on standard input and prints its public
// key: `wg pubkey`.
func cmdPubkey(e *env, args []string) int {
	if len(args) != 1 {
		fmt.Fprintf(e.stderr, "Usage: %s %s\n", e.prog, args[0])
		return 1
	}
	k, msg := readPubkeyInput(e.stdin)
	if msg != "" {
		fmt.Fprintf(e.stderr, "%s: %s\n", e.prog, msg)
		return 1
	}
	fmt.Fprintln(e.stdout, k.PublicKey().String())
	return 0
}

// readPubkeyInput reads a private key as pubkey does: exactly 44 bytes,
// then only white space or NUL bytes up to the end of input. It returns
// the key, or the message to print.
func readPubkeyInput(r io.Reader) (ifwg.Key, string) {
	const badKey = "Key is not the correct length or format"
	if r == nil {
		return ifwg.Key{}, badKey
	}
	var text [ifwg.KeyTextLen]byte
	if _, err := io.ReadFull(r, text[:]); err != nil {
		return ifwg.Key{}, badKey
	}
	if trailingGarbage(r) {
		return ifwg.Key{}, "Trailing characters found after key"
	}
	k, err := ifwg.ParseKey(string(text[:]))
	if err != nil {
		return ifwg.Key{}, badKey
	}
	return k, ""
}

// trailingGarbage reads r up to its end, or a read error, and reports
// whether it holds anything but white space and NUL bytes.
func trailingGarbage(r io.Reader) bool {
	var buf [512]byte
	for {
		n, err := r.Read(buf[:])
		for _, c := range buf[:n] {
			if c != 0 && !isCSpace(c) {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}
