// Package corpus reads parallel corpora and cleans them for training: HTML
// entities and markup, length and length-ratio limits, identical sides,
// sides in the wrong language, near-duplicates and overlap with held-out
// sets. Every filter counts what it removes, per source, so the effect of
// cleaning can be reported.
//
// It holds no model code and no extraction from upstream files (package
// extract below it, run by scripts/corpus/general.sh, does that); it works
// on pairs of strings.
package corpus
