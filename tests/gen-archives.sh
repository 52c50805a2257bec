#!/bin/sh
# gen-archives.sh - build the inert archives that tests/unit/test_unpack.c
# reads, with the real tools (zip, 7z from p7zip-full, tar, gzip, bzip2,
# xz, genisoimage), so the reader is checked against archives it did not
# write itself.  A case whose tool is missing is skipped with a message;
# the test skips it too.
#
# usage: gen-archives.sh DIR [--bench]
#   --bench also builds zero300.zip (one 300 MB zero-filled member) and
#   nested42.zip (a 42.zip-style bomb: 4 levels of 16 ZIPs, 1 GiB leaves).
# Every member is short ASCII text; passwords are stated in the names.
set -u
dir=${1:?usage: gen-archives.sh DIR [--bench]}
bench=${2:-}
mkdir -p "$dir" || exit 2
cd "$dir" || exit 2
rm -rf src && mkdir -p src/sub || exit 2

have() { command -v "$1" >/dev/null 2>&1; }
skip() { echo "gen-archives: skipping $1 ($2 not installed)" >&2; }

printf 'hello test\n' > src/a.txt
printf 'second member\n' > src/sub/b.txt
# テスト.txt in CP932, as Japanese Windows names it (no UTF-8 flag).
sjis=$(printf '\203\145\203\130\203\147.txt')
printf 'sjis name\n' > "src/$sjis"

if have zip; then
	(cd src && zip -q -X ../plain.zip a.txt sub/b.txt)
	(cd src && zip -q -X -P pw-test ../zipcrypto.zip a.txt sub/b.txt)
	# One plain member, one encrypted (like deco-mail-filter's test).
	(cd src && zip -q -X ../partial.zip a.txt &&
		zip -q -X -P pw-test ../partial.zip sub/b.txt)
	(cd src && LC_ALL=C zip -q -X ../sjis.zip "$sjis")
else
	skip "plain/zipcrypto/partial/sjis zip" zip
fi

if have 7z; then
	(cd src && 7z a -bd -y -tzip -mem=AES128 -ppw-test ../aes128.zip \
		a.txt sub/b.txt >/dev/null)
	(cd src && 7z a -bd -y -tzip -mem=AES256 -ppw-test ../aes256.zip \
		a.txt sub/b.txt >/dev/null)
	(cd src && 7z a -bd -y -t7z ../plain.7z a.txt sub/b.txt >/dev/null)
	(cd src && 7z a -bd -y -t7z -ppw-test ../enc.7z a.txt sub/b.txt \
		>/dev/null)
	(cd src && 7z a -bd -y -t7z -mhe=on -ppw-test ../hdrenc.7z a.txt \
		sub/b.txt >/dev/null)
else
	skip "AES zip and 7z" 7z
fi

if have tar; then
	(cd src && tar -cf ../plain.tar a.txt sub/b.txt)
	if have gzip; then gzip -9 -c plain.tar > plain.tar.gz; gzip -9 -c src/a.txt > a.txt.gz
	else skip "tar.gz" gzip; fi
	if have bzip2; then bzip2 -c plain.tar > plain.tar.bz2; else skip "tar.bz2" bzip2; fi
	if have xz; then xz -c plain.tar > plain.tar.xz; else skip "tar.xz" xz; fi
else
	skip "tar" tar
fi

if have genisoimage; then
	genisoimage -quiet -J -R -o plain.iso src 2>/dev/null
elif have xorriso; then
	xorriso -as mkisofs -quiet -J -R -o plain.iso src 2>/dev/null
else
	skip "iso" genisoimage
fi

if [ "$bench" = "--bench" ]; then
	if have zip; then
		head -c 300000000 /dev/zero > zero300.bin
		zip -q -X zero300.zip zero300.bin && rm -f zero300.bin
		# 42.zip-style: a 1 GiB zero leaf, then 16 copies per level.
		head -c 1073741824 /dev/zero | zip -q -X lvl0.zip -
		prev=lvl0.zip
		for lvl in 1 2 3 4; do
			rm -rf n && mkdir n
			for i in 0 1 2 3 4 5 6 7 8 9 a b c d e f; do
				cp "$prev" "n/$i.zip"
			done
			# Deflate again: a deflate stream of zeros is itself
			# repetitive, which is how 42.zip stays 42 KB.
			(cd n && zip -q -X -9 ../lvl$lvl.zip ./*.zip) && rm -f "$prev"
			prev=lvl$lvl.zip
		done
		rm -rf n && mv "$prev" nested42.zip && rm -f lvl*.zip
	else
		skip "bench archives" zip
	fi
fi
rm -rf src
exit 0
