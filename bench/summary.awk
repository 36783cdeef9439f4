# SPDX-License-Identifier: BSD-2-Clause
#
# summary.awk: the summary table of a benchmark's results, lines of
# "variant round metric value": per metric (in the order first seen), the
# median over the rounds of each variant and the ratios of the medians.
#
#   awk -v variants="wgd wggo" -v ratios="wgd/wggo" -f bench/summary.awk RESULTS

{
	n = ++cnt[$1, $3]
	val[$1, $3, n] = $4
	if (!($3 in seen)) {
		seen[$3] = 1
		order[++m] = $3
	}
}

function median(v, k,   i, j, t, a, c) {
	c = cnt[v, k]
	for (i = 1; i <= c; i++) a[i] = val[v, k, i] + 0
	for (i = 2; i <= c; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	if (c == 0) return ""
	return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
}

function ratio(x, y) { return (x == "" || y == "" || y == 0) ? "-" : sprintf("%.2f", x / y) }

END {
	nv = split(variants, vs, " ")
	nr = split(ratios, rs, " ")
	printf "| metric |"
	for (i = 1; i <= nv; i++) printf " %s |", vs[i]
	for (i = 1; i <= nr; i++) printf " %s |", rs[i]
	printf "\n|---|"
	for (i = 1; i <= nv + nr; i++) printf "---:|"
	printf "\n"
	for (k = 1; k <= m; k++) {
		printf "| %s |", order[k]
		for (i = 1; i <= nv; i++) { med[vs[i]] = median(vs[i], order[k]); printf " %s |", med[vs[i]] }
		for (i = 1; i <= nr; i++) { split(rs[i], pair, "/"); printf " %s |", ratio(med[pair[1]], med[pair[2]]) }
		printf "\n"
	}
}
