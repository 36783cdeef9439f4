// SPDX-License-Identifier: BSD-2-Clause

// Package enum names the values of small integer enumerations from a table
// indexed by value, the one mechanism behind the String and Error methods
// of the engine's enumerations and error classes.
package enum

import "fmt"

// Name returns names[v], or, when v indexes no non-empty entry of names,
// fmt.Sprintf(format, v): a value made by a conversion rather than taken
// from the enumeration's constants still prints.
func Name[T ~int | ~uint8 | ~uint32](names []string, v T, format string) string {
	if v >= 0 && uint64(v) < uint64(len(names)) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf(format, v)
}
