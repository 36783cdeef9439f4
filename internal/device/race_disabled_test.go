// SPDX-License-Identifier: BSD-2-Clause

//go:build !race

package device

// raceEnabled reports whether the race detector is on, which slows the
// engine down and distorts memory figures.
const raceEnabled = false
