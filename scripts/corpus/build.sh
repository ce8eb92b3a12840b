#!/bin/sh
# Rebuilds the verse-aligned English-Spanish Bible corpus (bible.en-es.tsv
# and bible.kjv-es.tsv) from Debian's SWORD packages. Not run by CI.
#
#   sudo apt-get install diatheke sword-text-web sword-text-kjv sword-text-sparv
#   scripts/corpus/build.sh OUTDIR
#
# Modules: engWEB2015eb (World English Bible 2015, sword-text-web 426.0-1),
# engKJV2006eb (King James Version, sword-text-kjv 14.3-1), spaRV1909eb
# (Reina-Valera 1909, sword-text-sparv 2.60-1). A verse is kept when all
# three modules have it (the WEB's deuterocanon is dropped).
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(dirname "$0")
command -v diatheke >/dev/null || { echo "build.sh: diatheke is missing (apt-get install diatheke sword-text-web sword-text-kjv sword-text-sparv)" >&2; exit 1; }
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for m in engWEB2015eb engKJV2006eb spaRV1909eb; do
	diatheke -b "$m" -f OSIS -k "Genesis 1:1-Revelation 22:21" >"$tmp/$m.osis"
done
/usr/bin/python3 "$here/verses.py" "$tmp/engWEB2015eb.osis" "$tmp/engKJV2006eb.osis" "$tmp/spaRV1909eb.osis" "$out"
wc -l "$out/bible.en-es.tsv" "$out/bible.kjv-es.tsv"
