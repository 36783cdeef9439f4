// SPDX-License-Identifier: BSD-2-Clause

package ifwg

import "unsafe"

// ptrSize is the size of a pointer in this build.
const ptrSize = unsafe.Sizeof(uintptr(0))

// nativeABI is the C data model of this build.
var nativeABI = abi{ptrSize: int(ptrSize)}

// wgDataIO is struct wg_data_io in this build's layout: the interface
// name, the user address of the packed nvlist and its length.
type wgDataIO struct {
	name [ifNameSize]byte
	data unsafe.Pointer
	size uintptr
}

// ifGroupReq is struct ifgroupreq in this build's layout: the group name,
// the length of the member buffer, and a 16-byte union whose first word is
// the pointer to the member buffer.
type ifGroupReq struct {
	name   [ifNameSize]byte
	length uint32
	groups [ifNameSize / ptrSize]unsafe.Pointer
}
