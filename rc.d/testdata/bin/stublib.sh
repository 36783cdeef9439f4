# SPDX-License-Identifier: BSD-2-Clause
#
# Shared by the recording stand-ins for the commands wg-quick and
# rc.d/wireguard run.  Each appends its command line to RCD_LOG and answers
# from the files of the scripted world in RCD_WORLD:
#
#	ifaces/<if>		the interface exists; "ifconfig <if>" prints it
#	ifaces/<if>.addrs	its addresses, as "ifconfig -f inet:cidr" shows
#	ifaces/<if>.wg		wg(8) lists it (if_wg or wgd runs it)
#	ifaces/<if>.wgd		wgd runs it: gone once its socket is removed
#	kld-loaded		if_wg is in the kernel
#	kld-loadable		kldload can load if_wg
#	jail			kldload fails as in a jail
#	fail/<what>		makes a command fail (see each stand-in)
#	route/<family>_<dest>	what "route -n get" prints, "/" in dest as "_";
#				netstat -rn shows the default routes
#	rtsock			route(8) is the routing-socket build, not netlink
#	monitor			what "route -n monitor" prints
#	resolv/<if>		what resolvconf holds for the interface
#	wg/<if>.<field>		what "wg show <if> <field>" prints
#	wg/<if>.showconf	what "wg showconf <if>" prints
#	fibs			net.fibs (default 1)
#	now			what "date +%s" prints
#
# RCD_RUNDIR stands for /var/run/wireguard.

# rcd_log argument...: appends the command line, with the arguments that
# are empty or hold blanks or quotes in single quotes.
rcd_log()
{
	_rcd_line=
	for _rcd_a in "$@"; do
		case $_rcd_a in
		''|*[[:space:]]*|*\'*)
			_rcd_a="'${_rcd_a}'" ;;
		esac
		_rcd_line="${_rcd_line}${_rcd_line:+ }${_rcd_a}"
	done
	printf '%s\n' "$_rcd_line" >> "$RCD_LOG"
}

# rcd_log_input file: appends the file's lines, each after "| " ("|" for
# an empty line).
rcd_log_input()
{
	while IFS= read -r _rcd_l || [ -n "$_rcd_l" ]; do
		if [ -n "$_rcd_l" ]; then
			printf '| %s\n' "$_rcd_l"
		else
			echo '|'
		fi
	done < "$1" >> "$RCD_LOG"
}

# rcd_fail what [message]: fails, with the message if there is one, when
# fail/<what> exists.
rcd_fail()
{
	if [ -e "${RCD_WORLD}/fail/$1" ]; then
		[ -z "$2" ] || echo "$2" >&2
		exit 1
	fi
}
