// Package extract reads the English–Spanish pairs out of the files the
// general-domain corpus is built from: gettext .mo catalogs, pairs of HTML
// or XML help pages (paired by element id, by block order, or by
// ids as anchors with the blocks between them in order), Debian's
// DDTP Translation-en/-es indexes, DEP-11 AppStream metadata, the Tatoeba
// export of manythings.org, Moses-tokenized Europarl and FreeDict's dictd
// files; and joins the sources into one corpus without exact duplicates
// or pairs that share a side with a held-out set.
//
// It works on readers and byte slices; finding the files (downloading and
// unpacking Debian packages) is the job of scripts/corpus/general.sh and
// the corpus command. Cleaning the pairs for training is package corpus.
package extract

// Pair is one English–Spanish pair as a source gives it.
type Pair struct {
	En, Es string
}
