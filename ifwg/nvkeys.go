// SPDX-License-Identifier: BSD-2-Clause

package ifwg

// The nvlist key names of if_wg's SIOCSWG/SIOCGWG protocol, spelled as the
// FreeBSD kernel and wg(8) spell them. This is the only place they appear.
const (
	// Interface level.
	nvPrivateKey   = "private-key"   // BINARY 32; GET only for privileged callers
	nvPublicKey    = "public-key"    // BINARY 32; interface (GET only) and peer
	nvListenPort   = "listen-port"   // NUMBER 0..65535
	nvUserCookie   = "user-cookie"   // NUMBER 0..2^32-1; wg(8)'s fwmark
	nvReplacePeers = "replace-peers" // BOOL; SET only
	nvPeers        = "peers"         // NVLIST_ARRAY

	// Peer level.
	nvPresharedKey      = "preshared-key"                 // BINARY 32; zero = none
	nvKeepalive         = "persistent-keepalive-interval" // NUMBER 0..65535 seconds
	nvEndpoint          = "endpoint"                      // BINARY FreeBSD sockaddr
	nvReplaceAllowedIPs = "replace-allowedips"            // BOOL; SET only
	nvRemove            = "remove"                        // BOOL; SET only
	nvAllowedIPs        = "allowed-ips"                   // NVLIST_ARRAY
	nvLastHandshakeTime = "last-handshake-time"           // BINARY 16; GET only
	nvRxBytes           = "rx-bytes"                      // NUMBER; GET only
	nvTxBytes           = "tx-bytes"                      // NUMBER; GET only

	// Allowed-IP level.
	nvFlags = "flags" // NUMBER; SET only, newer kernels: 1 = remove
	nvCIDR  = "cidr"  // NUMBER
	nvIPv4  = "ipv4"  // BINARY 4
	nvIPv6  = "ipv6"  // BINARY 16
)

// allowedIPRemoveMe is the allowed-IP flag asking to remove the prefix
// (WGALLOWEDIP_REMOVE_ME).
const allowedIPRemoveMe = 1

// allowedIPValidFlags are the allowed-IP flags a kernel that knows the key
// accepts; any other bit gets EOPNOTSUPP.
const allowedIPValidFlags = allowedIPRemoveMe
