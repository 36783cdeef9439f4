// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"fmt"
	"strconv"
	"syscall"
)

// Type is the type code of a pair, as carried in the nvph_type byte of a
// packed pair header.
type Type uint8

// The pair types of libnv. TypeDescriptor and TypeDescriptorArray exist only
// so that their codes have names: this package cannot build them and Unpack
// rejects them, exactly as nvlist_unpack does when no descriptors are passed.
const (
	TypeNull            Type = 1
	TypeBool            Type = 2
	TypeNumber          Type = 3
	TypeString          Type = 4
	TypeNVList          Type = 5
	TypeDescriptor      Type = 6
	TypeBinary          Type = 7
	TypeBoolArray       Type = 8
	TypeNumberArray     Type = 9
	TypeStringArray     Type = 10
	TypeNVListArray     Type = 11
	TypeDescriptorArray Type = 12
)

// Marker pair types. They only exist on the wire, where they close a nested
// list (typeUp) or an element of a list array (typeArrayNext).
const (
	typeArrayNext      = TypeArrayNext
	typeUp        Type = 255
)

var typeNames = [...]string{
	TypeNull:            "null",
	TypeBool:            "bool",
	TypeNumber:          "number",
	TypeString:          "string",
	TypeNVList:          "nvlist",
	TypeDescriptor:      "descriptor",
	TypeBinary:          "binary",
	TypeBoolArray:       "bool_array",
	TypeNumberArray:     "number_array",
	TypeStringArray:     "string_array",
	TypeNVListArray:     "nvlist_array",
	TypeDescriptorArray: "descriptor_array",
}

// String returns the lower-case name of t ("number", "nvlist_array", ...),
// the spelling used by the test vectors; "nvlist_up" and
// "nvlist_array_next" for the marker types 255 and 254; and "Type(N)" for
// any other code.
func (t Type) String() string {
	switch {
	case int(t) < len(typeNames) && typeNames[t] != "":
		return typeNames[t]
	case t == typeArrayNext:
		return "nvlist_array_next"
	case t == typeUp:
		return "nvlist_up"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// List flags. They are the public flags of libnv (NV_FLAG_IGNORE_CASE and
// NV_FLAG_NO_UNIQUE); every packed header carries its own list's flags.
const (
	// FlagIgnoreCase makes name comparisons in the list ignore ASCII case,
	// for lookups and for the duplicate check.
	FlagIgnoreCase = 0x01
	// FlagNoUnique allows several pairs with the same name in the list.
	FlagNoUnique = 0x02
)

// Private header flag bits, as libnv defines them.
const (
	flagPublicMask = FlagIgnoreCase | FlagNoUnique
	flagBigEndian  = 0x80
	flagWireMask   = flagPublicMask | flagBigEndian
)

// MaxNameLen is the longest pair name in bytes: libnv's NV_NAME_MAX (2048)
// counts the terminating NUL.
const MaxNameLen = 2047

// Sizes of the fixed wire structures.
const (
	listHeaderSize = HeaderSize
	pairHeaderSize = PairHeaderSize
	markerSize     = pairHeaderSize + 1
	headerMagic    = Magic
)

// Error describes why an Add call, Pack or Unpack failed.
//
// Errno is the errno libnv reports for the same failure: EINVAL for
// malformed input or an invalid argument, EEXIST for a duplicate name,
// EILSEQ when the top-level header's flags differ from the flags asked for,
// ENAMETOOLONG for a name longer than MaxNameLen, ENOMEM when a packed list
// would not fit in memory. Errors unwrap to their Errno, so
// errors.Is(err, syscall.EEXIST) works.
type Error struct {
	// Op is the operation that failed: "add", "pack" or "unpack".
	Op string
	// Offset is the byte offset, in the packed input, of the header (list
	// or pair) being decoded when Unpack failed; it is -1 for other
	// operations.
	Offset int
	// Name is the name of the pair concerned, or "" if it is not known.
	Name string
	// Errno is the errno value libnv reports for this failure.
	Errno syscall.Errno
	// Reason says what is wrong, in lower case.
	Reason string
}

// Error returns a one-line description: operation, position and reason.
func (e *Error) Error() string {
	s := "nvlist: " + e.Op
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	if e.Name != "" || e.Op == "add" {
		s += " (pair " + strconv.Quote(e.Name) + ")"
	}
	return s + ": " + e.Reason
}

// Unwrap returns e.Errno.
func (e *Error) Unwrap() error { return e.Errno }

// addError builds the error of a failed Add call.
func addError(name string, errno syscall.Errno, format string, args ...any) *Error {
	return &Error{Op: "add", Offset: -1, Name: name, Errno: errno, Reason: fmt.Sprintf(format, args...)}
}

// The fixed parts of the packed format, for encoders that write a known
// shape of list directly (such as ifwg.AppendGet).
const (
	// HeaderSize is the size of a list header: magic, version, flags,
	// descriptor count (u64) and size (u64).
	HeaderSize = 19
	// PairHeaderSize is the size of a pair header: type, name size
	// (u16), data size (u64) and item count (u64).
	PairHeaderSize = 19
	// Magic is the first byte of every list header.
	Magic = 0x6c
	// TypeArrayNext is the marker pair that ends each element of a list
	// array; a marker is a pair header and an empty name.
	TypeArrayNext Type = 254
)
