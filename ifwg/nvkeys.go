// SPDX-License-Identifier: BSD-2-Clause

package ifwg

// The nvlist key names of if_wg's SIOCSWG/SIOCGWG protocol, spelled as the
// FreeBSD kernel and wg(8) spell them. This is the only place in wgbsd they
// are spelled; the wgd control server uses them from here.
const (
	// Interface level.
	NVPrivateKey   = "private-key"   // BINARY 32; GET only for privileged callers
	NVPublicKey    = "public-key"    // BINARY 32; interface (GET only) and peer
	NVListenPort   = "listen-port"   // NUMBER 0..65535
	NVUserCookie   = "user-cookie"   // NUMBER 0..2^32-1; wg(8)'s fwmark
	NVReplacePeers = "replace-peers" // BOOL; SET only
	NVPeers        = "peers"         // NVLIST_ARRAY

	// Peer level.
	NVPresharedKey      = "preshared-key"                 // BINARY 32; zero = none
	NVKeepalive         = "persistent-keepalive-interval" // NUMBER 0..65535 seconds
	NVEndpoint          = "endpoint"                      // BINARY FreeBSD sockaddr
	NVReplaceAllowedIPs = "replace-allowedips"            // BOOL; SET only
	NVRemove            = "remove"                        // BOOL; SET only
	NVAllowedIPs        = "allowed-ips"                   // NVLIST_ARRAY
	NVLastHandshakeTime = "last-handshake-time"           // BINARY 16; GET only
	NVRxBytes           = "rx-bytes"                      // NUMBER; GET only
	NVTxBytes           = "tx-bytes"                      // NUMBER; GET only

	// Allowed-IP level.
	NVFlags = "flags" // NUMBER; SET only, newer kernels: 1 = remove
	NVCIDR  = "cidr"  // NUMBER
	NVIPv4  = "ipv4"  // BINARY 4
	NVIPv6  = "ipv6"  // BINARY 16
)

// AllowedIPRemoveMe is the allowed-IP flag asking to remove the prefix
// (WGALLOWEDIP_REMOVE_ME).
const AllowedIPRemoveMe = 1

// AllowedIPValidFlags are the allowed-IP flags a kernel that knows the key
// accepts; any other bit gets EOPNOTSUPP.
const AllowedIPValidFlags = AllowedIPRemoveMe
