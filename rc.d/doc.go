// SPDX-License-Identifier: BSD-2-Clause

// Package rcd holds the tests of wg-quick (../wg-quick/wg-quick.in,
// installed as ${PREFIX}/bin/wg-quick) and of the rc.d script that runs it
// (wireguard.in, installed as ${PREFIX}/etc/rc.d/wireguard), both with
// %%PREFIX%% replaced. The package has no code of its own.
//
// The tests run the scripts with dash, the POSIX sh of Debian, on any
// system, without touching the host's interfaces, routes or /etc:
//
//   - Copies of the scripts get a temporary directory as %%PREFIX%%, so
//     their wg, wgd and configuration directory are the test's. In the
//     copies, /etc/wireguard and /var/run/wireguard become temporary
//     directories too, and the rc.d script's ". /etc/rc.subr" reads
//     testdata/rc.subr instead: a stand-in with load_rc_config (reading a
//     test rc.conf), checkyesno, warn, err, info and run_rc_command.
//   - The system commands the scripts run (ifconfig, route, kldstat,
//     kldload, sysctl, resolvconf, service, id, date, sleep) are
//     stand-ins in testdata/bin that behave as FreeBSD's, each quoting the
//     FreeBSD source it follows. They record every command line in a log
//     and answer from a scripted "world" directory (stublib.sh describes
//     its files). wg and wgd stand-ins (testdata/wg, testdata/wgd) are
//     installed under the temporary prefix, outside the PATH the tests
//     give: a hook finds wg only because wg-quick puts ${PREFIX}/bin on the
//     PATH. The rc.d script runs through the service(8) stand-in, with
//     rc's PATH and a clean environment.
//
// Each scenario asserts the exact sequence of commands of up, down, save
// and reload. The route monitor, which runs in the background, records its
// route(8) apart, and a test that follows it waits for its loop to end;
// nothing depends on timing. RCD_SH runs the scripts with another shell,
// such as "bash --posix", instead of dash.
//
// Other tests check that "wg-quick strip" prints exactly what Debian's
// wireguard-tools prints for every configuration of the tests and for the
// examples of wg.conf(5) (this needs Debian's wg-quick and root, as it
// insists on it), with FuzzStrip on arbitrary files; that those examples
// are a working pair of configurations; that wireguard(8) documents the
// script's rc.conf variables; and that the scripts pass "dash -n" and
// shellcheck (the Makefile's lint-sh runs those tests).
package rcd
