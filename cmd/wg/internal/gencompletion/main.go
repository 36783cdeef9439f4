// SPDX-License-Identifier: BSD-2-Clause

// Command gencompletion writes wg's bash and zsh completion scripts at
// build time:
//
//	go run ./cmd/wg/internal/gencompletion -o build/completion
//
// writes build/completion/wg.bash (install as
// ${PREFIX}/share/bash-completion/completions/wg) and build/completion/_wg
// (install as ${PREFIX}/share/zsh/site-functions/_wg).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wgbsd/wgbsd/cmd/wg/internal/completion"
)

func main() {
	dir := flag.String("o", ".", "directory to write the scripts into")
	name := flag.String("name", "wg", "the program's name as installed")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: gencompletion [-o dir] [-name wg]")
		os.Exit(2)
	}
	if err := completion.Write(completion.Root(*name), *dir); err != nil {
		fmt.Fprintln(os.Stderr, "gencompletion:", err)
		os.Exit(1)
	}
}
