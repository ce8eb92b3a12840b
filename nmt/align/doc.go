// Package align turns what a translation model attends to into word
// alignments people and tools can use, and measures how good they are.
//
// It holds:
//
//   - the data of one aligned sentence pair (Alignment): subword tokens and
//     words of both texts with byte and character spans, a soft subword
//     matrix, a soft word matrix and hard word links;
//   - Extract, which builds an Alignment from the cross-attention of every
//     decoder layer and head (as package search records it per target
//     token), reduced by a Selector ("layer=2,head=1", "heads=0:1+2:3",
//     "avg", ...);
//   - word segmentation (Segment) shared by every word-level rule;
//   - TokenSpans, which places decoded target tokens in their text, and
//     Join, which merges the alignments of a text's sentence pairs;
//   - symmetrization of two directional link sets (intersection,
//     grow-diag, grow-diag-final, grow-diag-final-and, union);
//   - an IBM Model 1 aligner, the classic statistical peer;
//   - the Bible corpus and its gold links (the Strong's-number links) read
//     by split, and the alignment error rate, precision and recall against
//     them, of one way of drawing links or of every selector and
//     symmetrization (ScoreMethods);
//   - exporters to JSON, Pharaoh, CSV, TSV, SVG, PNG and HTML, and readers
//     for the JSON and Pharaoh formats.
//
// It does not run a model, tokenize text or open files: callers hand it
// tokens, attention weights and readers/writers. The rules it applies are
// written down in docs/alignment.md.
package align
