# SPDX-License-Identifier: BSD-2-Clause
#
# Shared by the recording stand-ins for the commands rc.d/wireguard runs.
# Each appends its command line to RCD_LOG and answers from the files of
# the scripted world in RCD_WORLD:
#
#	ifaces/<if>		the interface exists; "ifconfig <if>" prints it
#	ifaces/<if>.wgd		wgd runs it: gone once its socket is removed
#	kld-loadable		kldload succeeds
#	fail/<what>		makes a command fail (see each stand-in)
#	route/<family>_<dest>	what "route -n get" prints, "/" in dest as "_"
#	hosts/<name>		the address a name resolves to
#	hosts-fail/<name>	how many lookups of the name fail first
#	wg/<if>.<field>		what "wg show <if> <field>" prints
#	fibs			net.fibs (default 1)
#	now			what "date +%s" prints
#
# RCD_RUNDIR is the rc script's wireguard_rundir.

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

# rcd_fail what message: fails with the message when fail/<what> exists.
rcd_fail()
{
	if [ -e "${RCD_WORLD}/fail/$1" ]; then
		echo "$2" >&2
		exit 1
	fi
}
