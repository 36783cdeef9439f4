// SPDX-License-Identifier: BSD-2-Clause

//go:build race

package conn

// raceEnabled is true when the race detector is on; it makes sync.Pool
// drop items on purpose, so allocation counts do not hold.
const raceEnabled = true
