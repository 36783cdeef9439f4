// SPDX-License-Identifier: BSD-2-Clause

// Package allowedips is wgd's allowed-IPs table: the map from IP prefixes
// to peers that routes outgoing packets (the destination picks the peer)
// and checks incoming ones (the source must belong to the peer that sent
// them). It reproduces the semantics of FreeBSD if_wg's wg_aip_add,
// wg_aip_remove, wg_aip_lookup and the per-peer p_aips list.
//
// # Semantics
//
// A Table holds one longest-prefix-match trie per address family. The
// family of an address decides the trie: an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) is an IPv6 address and only matches IPv6 prefixes,
// exactly as an IPv6 packet carrying one would in the kernel. Zones are
// ignored.
//
//   - Insert masks the prefix (clears the host bits), as the kernel does
//     before adding to its radix tree. A prefix that is not in the table is
//     added and goes to the head of the peer's list. A prefix that belongs
//     to another peer is moved: its owner becomes the new peer and it goes
//     to the head of the new peer's list. A prefix that already belongs to
//     the same peer is left exactly as it is, position in the list
//     included: wg_aip_add only relinks an existing node when its owner
//     differs.
//   - Remove masks the prefix and removes it only if it is present and
//     belongs to the given peer. Anything else changes nothing; the kernel
//     reports success in both cases, and Remove's result says which
//     happened.
//   - RemoveByPeer removes every prefix of a peer (replace-allowedips and
//     peer removal).
//   - EntriesForPeer lists a peer's prefixes most recently added or moved
//     first, IPv4 and IPv6 interleaved, which is the order of the kernel's
//     list and so of the "allowed-ips" array in a GET reply.
//
// # Structure
//
// Each trie is a path-compressed binary trie (a PATRICIA trie) over the
// address bits. A node holds a masked prefix and its length, two
// children, and, if the prefix is in the table, its entry and owner.
// Nodes that only join two subtrees hold no entry. Lookup walks down while
// the address lies under the node's prefix and remembers the deepest node
// with an owner. Each entry also sits on its peer's doubly linked list,
// which makes moves and removals O(depth) and listing O(entries).
//
// # Concurrency
//
// Lookup is lock-free and safe to call concurrently with anything: it
// loads the family's root with one atomic load and walks nodes that are
// never modified once published. Writers (Insert, Remove, RemoveByPeer)
// are serialised by a mutex. A writer copies the nodes on the path it
// changes, links the copies to the untouched subtrees, and publishes the
// new root with an atomic store; the garbage collector reclaims the old
// path once no reader holds it. Nodes created since the last publication
// are updated in place until the next, so RemoveByPeer copies each path
// once, not once per prefix, and writes between Hold and Release (one
// configuration request) copy each node at most once in all. A Lookup
// therefore sees each family either before or after a concurrent write
// (or held batch of writes), never half of it. EntriesForPeer and Len
// take the writers' mutex and see every write at once.
//
// The zero Table is empty and ready to use. A Table must not be copied
// after first use.
package allowedips
