// SPDX-License-Identifier: BSD-2-Clause

// Package rcd holds the tests of the rc.d script, wireguard.in, which is
// installed as ${PREFIX}/etc/rc.d/wireguard with %%PREFIX%% replaced. The
// package has no code of its own.
//
// The tests run the script with /bin/sh on any system, without touching the
// host's interfaces, routes or /etc:
//
//   - A copy of the script gets a temporary directory as %%PREFIX%%, so its
//     wg, wgd and configuration directory are the test's, and its line
//     ". /etc/rc.subr" reads testdata/rc.subr instead: a stand-in with
//     load_rc_config (reading a test rc.conf), checkyesno, warn, err, info
//     and run_rc_command.
//   - The system commands the script runs (ifconfig, route, kldload,
//     sysctl, getent, resolvconf, logger, date, sleep) are found through
//     PATH, which the tests start with testdata/bin. Those stand-ins record
//     every command line in a log and answer from a scripted "world"
//     directory (stublib.sh describes its files); wg and wgd stand-ins are
//     installed under the temporary prefix.
//   - wireguard_rundir, an rc.conf variable defaulting to
//     /var/run/wireguard, points at a temporary directory.
//
// Each scenario asserts the exact sequence of commands the script issues.
// The background endpoint resolver sleeps through the sleep stand-in, which
// a test can hold until it has checked what start did; nothing depends on
// timing. RCD_SH runs the script with another shell, such as
// "busybox sh", instead of /bin/sh.
//
// Other tests check that the script's parser prints exactly what
// "wg-quick strip" prints for the configurations under testdata/strip and
// for the examples of wg.conf(5) (this needs Debian's wireguard-tools and
// root, as wg-quick insists on it); that those examples are a working pair
// of configurations; that wireguard(8) documents the script's rc.conf
// variables; and that the script passes "sh -n" and shellcheck.
package rcd
