#!/bin/sh
# sample-conf.sh - etc/emguard.conf must be exactly what `emguard
# --dump-config` writes from the keyword table, and must parse back.
# After changing a keyword, run `make update-sample-conf`.
emguard="$top_builddir/cli/emguard"
sample="$top_srcdir/etc/emguard.conf"
out="$top_builddir/tests/sample-conf.out"
"$emguard" --dump-config > "$out" || exit 1
if ! cmp -s "$out" "$sample"; then
	echo "etc/emguard.conf is stale; run make update-sample-conf:"
	diff -u "$sample" "$out" | head -n 40
	exit 1
fi
"$emguard" config check -c "$sample" || exit 1
# Uncommenting every keyword line gives a valid configuration too.
sed -n 's/^#\([A-Z][A-Za-z]* \)/\1/p' "$sample" > "$out.all"
"$emguard" config check -c "$out.all" || exit 1
rm -f "$out" "$out.all"
