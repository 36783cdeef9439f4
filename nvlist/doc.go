// SPDX-License-Identifier: BSD-2-Clause

// Package nvlist reads and writes the packed form of FreeBSD's libnv
// name-value lists, byte for byte as nvlist_pack and nvlist_unpack do. It
// is the format of the if_wg control ioctls (SIOCSWG, SIOCGWG), and wgd
// speaks it on its control socket. It needs no cgo and no libnv.
//
// # The format
//
// A packed list is one flat byte string: a 19-byte list header (magic 0x6c,
// version, flags, descriptor count, size), then the pairs in order. Each
// pair is a 19-byte header (type, name size, data size, item count), the
// NUL-terminated name, and the data. Nesting is flattened: the list held by
// an nvlist pair follows that pair, with its own header, and ends with an
// NVLIST_UP marker pair; each element of an nvlist array follows the same
// way and ends with an NVLIST_ARRAY_NEXT marker, the last one included.
// There is no padding; integers are in the byte order of the host that
// packed the list, and header flag 0x80 marks big-endian data. The size in
// every header, nested ones included, counts the bytes from the end of that
// header to the end of the whole buffer.
//
// # What is supported
//
// All ten types that nvlist_pack accepts: null, bool, number (uint64),
// string, nvlist, binary, and arrays of bools, numbers, strings and
// nvlists. Descriptor pairs (types 6 and 12) only make sense with the file
// descriptors that nvlist_send passes beside the bytes: this package
// cannot build them, and Unpack rejects them, as nvlist_unpack does when it
// is given no descriptors.
//
// Lists keep their pairs in insertion order, the order on the wire. Names
// are unique within a list unless it has FlagNoUnique; with FlagIgnoreCase
// names are compared ignoring ASCII case. Lookups match on type and name
// together, like nvlist_get_number and friends: a pair with the right name
// but another type is not found. The Add methods record the first error in
// the list, as libnv does (List.Err), and Pack returns it, so a list can be
// built without checking every call.
//
// # Contract
//
// Pack returns exactly what nvlist_pack returns for the same list on a
// little-endian host: flag byte 0 plus the list's public flags in each
// header, version 0, descriptor count 0. Pack is linear in the packed size
// (nvlist_pack is not, for deep lists) and iterative: any nesting depth
// packs.
//
// Unpack accepts exactly what nvlist_unpack(buf, len, 0) accepts from the
// current libnv, in both byte orders, and rejects everything else with an
// *Error that gives the byte offset, the pair name when known and libnv's
// errno. That includes libnv's leniencies, which Unpack keeps so that
// re-packing gives libnv's bytes:
//
//   - the header version is not checked (Pack writes 0);
//   - the data size of an nvlist pair is only checked to be non-zero and
//     within the input (Pack recomputes it);
//   - the item count of a pair that is not an array, and the data size of
//     an nvlist array pair, are only checked against the input length, and
//     Pack writes them back unchanged;
//   - bool array bytes other than 0 and 1 are kept as they are;
//   - marker names and data sizes are ignored (the data is not skipped),
//     an NVLIST_ARRAY_NEXT marker closes a plain nested list like
//     NVLIST_UP, and NVLIST_UP inside an array element leaves the array;
//   - the input may end inside nested lists or arrays: what was not reached
//     stays empty;
//   - the flags of a nested header (not the top-level one) apply to that
//     list; a nested list's byte-order flag only applies to its own header,
//     while an array element's applies to all that follows.
//
// Unpack is iterative and has no depth limit, like libnv. Whatever the
// input, it allocates memory in proportion to the input length: it never
// allocates from a count the input announces beyond what the bytes left
// can hold, and even then within a budget for the whole input. The decoded
// list does not alias the input.
//
// The package is tested against vectors and a differential corpus of 4000
// blobs classified by the real libnv code (testdata/).
//
// # Differences from libnv
//
// These are deliberate:
//
//   - Pack always writes little-endian data (libnv writes in host order). All
//     FreeBSD platforms this project targets are little-endian.
//   - AddNVList and AddNVListArray store the given lists, not copies, with
//     the rules of libnv's nvlist_move_nvlist: a list can be the value of
//     only one pair, and a list that already is (including every list inside
//     a decoded list) is refused. Cycles are refused too. AddBinary keeps
//     the caller's slice instead of a copy.
//   - A name or string containing a NUL byte, which a C caller cannot even
//     express, is refused with EINVAL. NewWithFlags records EINVAL for flags
//     other than the public ones, where libnv asserts.
//   - An NVLIST_UP or NVLIST_ARRAY_NEXT marker in the top-level list is
//     reported as EINVAL; libnv fails there without setting errno.
//   - The elements of an nvlist array that the input announced but never
//     reached are not allocated by Unpack (libnv allocates them all, which
//     crafted input can make quadratic in its length). List.NVListArray
//     returns them as new empty lists on each call, and Pack writes them as
//     libnv does.
//   - Pack refuses (ENOMEM) to produce more than 2 GiB - 1 bytes, a size
//     if_wg refuses anyway; libnv would try to allocate it.
package nvlist
