// SPDX-License-Identifier: BSD-2-Clause

package main

// Shell completion. The bash and zsh scripts (written at build time by
// ./internal/gencompletion) call the hidden "wg __complete" with the words
// typed so far; cobra hands them to the ValidArgsFunction of the
// subcommand, which is built here. Interface names and peers come from the
// backend; failures there just mean fewer candidates.

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// The keywords of wg set, before and after the first peer.
var (
	setDeviceKeywords = []string{"listen-port", "fwmark", "private-key", "peer"}
	setPeerKeywords   = []string{"remove", "preshared-key", "endpoint", "persistent-keepalive", "allowed-ips", "peer"}
)

// completer returns the ValidArgsFunction of the subcommand name.
func completer(e *env, name string) cobra.CompletionFunc {
	c := &completions{e: e}
	switch name {
	case "show":
		return c.show
	case "showconf":
		return c.showconf
	case "set":
		return c.set
	case "setconf", "addconf", "syncconf":
		return c.conf
	}
	return cobra.NoFileCompletions
}

// completions computes candidates from the backend.
type completions struct{ e *env }

// none is the answer "nothing to offer, and no file names either".
func none() ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// words offers the candidates that start with prefix, and no file names.
func words(prefix string, cands ...string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// files leaves the completion to the shell's file names.
func files() ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveDefault
}

// interfaces returns the interfaces' names, nil when they cannot be
// listed.
func (c *completions) interfaces() []string {
	b, err := c.e.backend()
	if err != nil {
		return nil
	}
	names, err := b.Interfaces()
	if err != nil {
		return nil
	}
	return names
}

// show completes "wg show [all | interfaces | IF] [FIELD]".
func (c *completions) show(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch {
	case len(args) == 0:
		return words(prefix, append([]string{"all", "interfaces"}, c.interfaces()...)...)
	case len(args) == 1 && args[0] != "interfaces" && !isHelpWord(args[0]):
		return words(prefix, showFieldNames...)
	}
	return none()
}

// showconf completes "wg showconf IF".
func (c *completions) showconf(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return words(prefix, c.interfaces()...)
	}
	return none()
}

// conf completes "wg setconf|addconf|syncconf IF FILE".
func (c *completions) conf(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return words(prefix, c.interfaces()...)
	case 1:
		return files()
	}
	return none()
}

// set completes "wg set IF [keyword value]...": the keywords allowed at
// that point, key files, "off" for fwmark and keepalive, and the
// interface's peers after "peer".
func (c *completions) set(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return words(prefix, c.interfaces()...)
	}
	keywords, wantValue := setState(args[1:])
	switch wantValue {
	case "":
		return words(prefix, keywords...)
	case "private-key", "preshared-key":
		return files()
	case "fwmark", "persistent-keepalive":
		return words(prefix, "off")
	case "peer":
		return words(prefix, c.peers(args[0])...)
	}
	return none()
}

// setState walks the words after the interface of a wg set command line:
// it returns the keywords allowed next and, when the last word is a
// keyword that takes a value, that keyword.
func setState(words []string) (keywords []string, wantValue string) {
	keywords = setDeviceKeywords
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "peer" {
			keywords = setPeerKeywords
		}
		if w == "remove" || !slices.Contains(keywords, w) {
			continue
		}
		if i+1 == len(words) {
			return keywords, w
		}
		i++
	}
	return keywords, ""
}

// peers returns the public keys of an interface's peers.
func (c *completions) peers(name string) []string {
	b, err := c.e.backend()
	if err != nil {
		return nil
	}
	d, err := b.Device(name)
	if err != nil {
		return nil
	}
	keys := make([]string, len(d.Peers))
	for i := range d.Peers {
		keys[i] = d.Peers[i].PublicKey.String()
	}
	return keys
}
