#!/bin/sh
# Rebuilds the general-domain English-Spanish corpus (train.en-es.tsv.gz:
# source, English, Spanish) from Debian packages and four downloads. Not run
# by CI. docs/data.md tells where each source comes from and its licence.
#
#   scripts/corpus/general.sh OUTDIR
#
# Run from the repository root, as root or with sudo for apt-get (it only
# downloads: nothing is installed, and the package lists go to
# OUTDIR/work/lists, not to /var/lib/apt). Needs apt-get, dpkg-deb, go and,
# for the AppStream source, the appstream package (its apt configuration
# makes apt fetch the DEP-11 metadata).
#
# Four sources are not Debian packages. Put them in LOCAL (default
# OUTDIR/local) when the machine cannot reach them:
#   spa-eng.zip            http://www.manythings.org/anki/spa-eng.zip (Tatoeba;
#                          the corpus used the export of 2018-05-13)
#   europarl-v7.es-en.en   the English and Spanish side of Europarl v7 es-en,
#   europarl-v7.es-en.es   https://www.statmt.org/europarl/v7/es-en.tgz; the
#                          corpus used the 20,000-line Moses-tokenized excerpt
#                          es-en/train/ of the GitHub repository
#                          hajssb/spanish-translator; only the first LINES
#                          lines are read (default 20000)
#   europarl-d5e4928.en    another 20,000-line excerpt of Europarl v7 es-en,
#   europarl-d5e4928.es    not tokenized, about half of it other sentences:
#                          es-en/train/europarl-v7.es-en.{en,es} at commit
#                          d5e4928a48ce0375e744be6529c4589948c7ebff of
#                          hajssb/spanish-translator (its first commit)
#   newstest2013.en        the WMT 2013 news test set, Moses-tokenized:
#   newstest2013.es        es-en/test/newstest2013.{en,es} at that commit
# A missing file is downloaded when the network allows; when it cannot be,
# the script stops (ALLOW_MISSING=1 builds the corpus without that source).
#
# Every pair sharing a side with a dev or test segment is dropped: HELD_OUT
# is the directory holding dev/ and test/ (default ../shared/corpus/general).
set -eu
out=${1:?usage: general.sh OUTDIR}
local_dir=${LOCAL:-$out/local}
held=${HELD_OUT:-../shared/corpus/general}
lines=${LINES:-20000}
work=$out/work
mkdir -p "$work/debs" "$work/root" "$work/pairs" "$work/lists/partial" "$local_dir"
out=$(cd "$out" && pwd)
work=$out/work

# Debian bookworm packages, pinned to the versions the corpus was built from.
packages="
libreoffice-help-en-us=4:7.4.7-1+deb12u14
libreoffice-help-es=4:7.4.7-1+deb12u14
libreoffice-l10n-es=4:7.4.7-1+deb12u14
gimp-help-en=2.10.34-2
gimp-help-es=2.10.34-2
wesnoth-1.16-data=1:1.16.9-1
debian-reference-en=2.100
debian-reference-es=2.100
gnome-user-docs=43.0-2
iso-codes=4.15.0-1
dict-freedict-eng-spa=2022.04.21-1
debian-handbook=11.20220922
installation-guide-amd64=20230508+deb12u1
aptitude-doc-en=0.8.13-5
aptitude-doc-es=0.8.13-5
maint-guide=1.2.53
maint-guide-es=1.2.53
freedombox-doc-en=23.6.2+deb12u2
freedombox-doc-es=23.6.2+deb12u2
ubuntu-packaging-guide-html=1.0.4
ubuntu-packaging-guide-html-es=1.0.4
kicad-doc-en=6.0.11+dfsg-1
kicad-doc-es=6.0.11+dfsg-1
lilypond-doc-html=2.24.1-2
lilypond-doc-html-es=2.24.1-2
"
(cd "$work/debs" && apt-get download $packages)
for deb in "$work"/debs/*.deb; do
	dpkg-deb -x "$deb" "$work/root"
done
# The help of GNOME and MATE applications (scripts/corpus/help-packages.txt)
# goes to a root of its own: gnome-help reads all of root/usr/share/help.
help_packages=$(grep -v '^#' scripts/corpus/help-packages.txt)
mkdir -p "$work/help-debs" "$work/help-root"
(cd "$work/help-debs" && apt-get download $help_packages)
for deb in "$work"/help-debs/*.deb; do
	dpkg-deb -x "$deb" "$work/help-root"
done

# The package description translations (DDTP) and the AppStream metadata
# are apt indexes: fetch them into a private list directory.
cat >"$work/apt.conf" <<'CONF'
#clear Acquire::Languages;
Acquire::Languages { "en"; "es"; };
CONF
apt-get update -c "$work/apt.conf" -o Dir::State::Lists="$work/lists" >"$work/apt-update.log"
index() { # index IDENTIFIER [FIELD: VALUE]... prints the bookworm main index, decompressed
	id=$1
	shift
	f=$(apt-get indextargets -c "$work/apt.conf" -o Dir::State::Lists="$work/lists" --format '$(FILENAME)' \
		"Identifier: $id" 'Codename: bookworm' 'Component: main' "$@" | head -n 1)
	[ -n "$f" ] || { echo "general.sh: apt has no $id index (for DEP-11: apt-get install appstream)" >&2; exit 1; }
	/usr/lib/apt/apt-helper cat-file "$f"
}
index Translations 'Language: en' >"$work/Translation-en"
index Translations 'Language: es' >"$work/Translation-es"
index DEP-11 >"$work/Components-amd64.yml"

# The downloads.
missing=""
fetch() { # fetch FILE URL
	[ -s "$local_dir/$1" ] && return 0
	if command -v curl >/dev/null && curl -fsSL --max-time 600 -o "$local_dir/$1.part" "$2"; then
		mv "$local_dir/$1.part" "$local_dir/$1"
		return 0
	fi
	rm -f "$local_dir/$1.part"
	echo "general.sh: $local_dir/$1 is missing and $2 cannot be downloaded; put a copy there" >&2
	return 1
}
fetch spa-eng.zip http://www.manythings.org/anki/spa-eng.zip || missing="$missing tatoeba"
if [ ! -s "$local_dir/europarl-v7.es-en.en" ] || [ ! -s "$local_dir/europarl-v7.es-en.es" ]; then
	if fetch es-en.tgz https://www.statmt.org/europarl/v7/es-en.tgz; then
		tar -xzf "$local_dir/es-en.tgz" -C "$local_dir" europarl-v7.es-en.en europarl-v7.es-en.es
	else
		missing="$missing europarl"
	fi
fi
raw=https://raw.githubusercontent.com/hajssb/spanish-translator/d5e4928a48ce0375e744be6529c4589948c7ebff/es-en
for lang in en es; do
	fetch europarl-d5e4928.$lang $raw/train/europarl-v7.es-en.$lang || missing="$missing europarl-d5e4928"
	fetch newstest2013.$lang $raw/test/newstest2013.$lang || missing="$missing newstest2013"
done
if [ -n "$missing" ] && [ "${ALLOW_MISSING:-0}" != 1 ]; then
	echo "general.sh: missing sources:$missing (ALLOW_MISSING=1 builds without them)" >&2
	exit 1
fi

# Extract every source, in the order the corpus lists them.
go build -o "$work/corpus" ./cmd/corpus
x() { "$work/corpus" extract "$@"; }
r=$work/root
p=$work/pairs
case $missing in *tatoeba*) ;; *) x tatoeba --out "$p/tatoeba.tsv" "$local_dir/spa-eng.zip" ;; esac
case $missing in *europarl*) ;; *) x europarl --lines "$lines" --out "$p/europarl.tsv" "$local_dir/europarl-v7.es-en.en" "$local_dir/europarl-v7.es-en.es" ;; esac
x pages --pair id --out "$p/libreoffice-help.tsv" "$r/usr/share/libreoffice/help/en-US" "$r/usr/share/libreoffice/help/es"
x mo --out "$p/libreoffice-ui.tsv" "$r"/usr/lib/libreoffice/program/resource/es/LC_MESSAGES/*.mo
x pages --pair order --out "$p/gimp-help.tsv" "$r/usr/share/gimp/2.0/help/en" "$r/usr/share/gimp/2.0/help/es"
x ddtp --out "$p/ddtp.tsv" "$work/Translation-en" "$work/Translation-es"
x mo --out "$p/wesnoth.tsv" "$r"/usr/share/games/wesnoth/1.16/locale/es/LC_MESSAGES/*.mo
x pages --pair order --en-suffix .en.html --es-suffix .es.html --out "$p/debian-reference.tsv" \
	"$r/usr/share/debian-reference" "$r/usr/share/debian-reference"
# iso-codes: the catalogs themselves, not their compatibility symlinks.
x mo --out "$p/iso-codes.tsv" $(find "$r/usr/share/locale/es/LC_MESSAGES" -name 'iso_*.mo' -type f | sort)
x dep11 --out "$p/appstream.tsv" "$work/Components-amd64.yml"
# gnome-user-docs holds two guides: gnome-help and system-admin-guide.
x pages --pair order --en-suffix .page --es-suffix .page --out "$p/gnome-help.tsv" \
	"$r/usr/share/help/C" "$r/usr/share/help/es"
x freedict --out "$p/freedict.tsv" "$r/usr/share/dictd/freedict-eng-spa.index" "$r/usr/share/dictd/freedict-eng-spa.dict.dz"
# Added after the shared corpus was built: they come last, so that the
# pairs of the sources above stay as they were.
case $missing in *newstest2013*) ;; *) x europarl --lines 0 --out "$p/newstest2013.tsv" "$local_dir/newstest2013.en" "$local_dir/newstest2013.es" ;; esac
case $missing in *europarl-d5e4928*) ;; *) x europarl --lines 0 --out "$p/europarl-d5e4928.tsv" "$local_dir/europarl-d5e4928.en" "$local_dir/europarl-d5e4928.es" ;; esac
# Manuals: --pair anchors also pairs the pages whose block counts differ.
d=$r/usr/share/doc
x pages --pair anchors --out "$p/debian-handbook.tsv" "$d/debian-handbook/html/en-US" "$d/debian-handbook/html/es-ES"
x pages --pair anchors --out "$p/installation-guide.tsv" "$d/installation-guide-amd64/en" "$d/installation-guide-amd64/es"
x pages --pair anchors --out "$p/aptitude-doc.tsv" "$d/aptitude/html/en" "$d/aptitude/html/es"
x pages --pair anchors --en-suffix .en.html --es-suffix .es.html --out "$p/maint-guide.tsv" "$d/maint-guide/html" "$d/maint-guide-es/html"
x pages --pair anchors --out "$p/freedombox-doc.tsv" "$r/usr/share/freedombox/manual/en" "$r/usr/share/freedombox/manual/es"
x pages --pair anchors --out "$p/ubuntu-packaging-guide.tsv" "$d/ubuntu-packaging-guide-html" "$d/ubuntu-packaging-guide-html-es"
x pages --pair anchors --out "$p/kicad-doc.tsv" "$d/kicad/help/en" "$d/kicad/help/es"
# LilyPond keeps both languages in one tree: page.html and page.es.html.
x pages --pair anchors --en-suffix .html --es-suffix .es.html --out "$p/lilypond-doc.tsv" \
	"$d/lilypond/html/Documentation" "$d/lilypond/html/Documentation"
# Application help: Mallard pages, and DocBook for a few (gnumeric, glom).
h=$work/help-root/usr/share/help
x pages --pair anchors --en-suffix .page --es-suffix .page --out "$work/app-help.page.tsv" "$h/C" "$h/es"
x pages --pair anchors --en-suffix .xml --es-suffix .xml --out "$work/app-help.xml.tsv" "$h/C" "$h/es"
cat "$work/app-help.page.tsv" "$work/app-help.xml.tsv" >"$p/app-help.tsv"

# Join: exact duplicates and pairs sharing a side with dev/test go.
set --
for s in tatoeba europarl libreoffice-help libreoffice-ui gimp-help ddtp wesnoth debian-reference iso-codes appstream gnome-help freedict \
	newstest2013 europarl-d5e4928 debian-handbook installation-guide aptitude-doc maint-guide freedombox-doc ubuntu-packaging-guide kicad-doc lilypond-doc app-help; do
	[ -f "$p/$s.tsv" ] && set -- "$@" "$s=$p/$s.tsv"
done
"$work/corpus" join --out "$out/train.en-es.tsv.gz" \
	--held-out "$held/dev/newstest2012.en-es.tsv,$held/dev/tatoeba-dev.en-es.tsv,$held/test/ntrex128.en-es.tsv,$held/test/tatoeba-test.en-es.tsv" \
	"$@" | tee "$out/join.md"
