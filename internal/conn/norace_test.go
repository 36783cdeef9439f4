// SPDX-License-Identifier: BSD-2-Clause

//go:build !race

package conn

// raceEnabled is true when the race detector is on.
const raceEnabled = false
