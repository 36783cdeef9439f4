// SPDX-License-Identifier: BSD-2-Clause

// Package completion writes wg's shell completion scripts for bash and
// zsh.
//
// The scripts hold no knowledge of wg's grammar: at every TAB they run
// "wg __complete <words>" (a hidden command of the wg binary) and offer
// what it prints, which wg computes from its command tree and its
// backend. So a script depends only on the program's name, and a build
// can generate the scripts without the command tree (see Root).
package completion

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// The script files Scripts returns, by shell.
const (
	// BashFile is the bash script, to be installed as
	// share/bash-completion/completions/wg.
	BashFile = "wg.bash"
	// ZshFile is the zsh script, to be installed as
	// share/zsh/site-functions/_wg.
	ZshFile = "_wg"
)

// Root returns a command named name and nothing else, enough to generate
// the scripts for a program of that name.
func Root(name string) *cobra.Command {
	return &cobra.Command{Use: name}
}

// Scripts returns the completion scripts for root, by file name. The bash
// script shows descriptions.
func Scripts(root *cobra.Command) (map[string][]byte, error) {
	var bash, zsh bytes.Buffer
	if err := root.GenBashCompletionV2(&bash, true); err != nil {
		return nil, fmt.Errorf("failed to generate the bash completion: %w", err)
	}
	if err := root.GenZshCompletion(&zsh); err != nil {
		return nil, fmt.Errorf("failed to generate the zsh completion: %w", err)
	}
	return map[string][]byte{BashFile: bash.Bytes(), ZshFile: zsh.Bytes()}, nil
}

// Write writes the scripts for root into dir, creating it if needed.
func Write(root *cobra.Command, dir string) error {
	scripts, err := Scripts(root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, text := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
			return err
		}
	}
	return nil
}
