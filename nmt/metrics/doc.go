// Package metrics scores translations against references with corpus BLEU
// and chrF, computed exactly as sacreBLEU 2.x computes them with its
// defaults, so that numbers reported by this project can be compared with
// numbers reported elsewhere.
//
// BLEU is sacreBLEU's default corpus BLEU: mteval-v13a tokenization
// (Tokenize13a), mixed case, n-grams up to 4, clipped counts summed over
// the corpus, the brevity penalty exp(1 - r/c) when the hypotheses are
// shorter than the references, and the "exp" smoothing of mteval-v13a.pl:
// the k-th n-gram order with no match at all gets the precision
// 1 / (2^k · total) instead of zero. An order with no n-grams at all (every
// hypothesis shorter than n words) makes the score zero, as does a corpus
// with no matching word.
//
// CHRF is sacreBLEU's default chrF2: character n-grams of orders 1 to 6
// over the text with all whitespace removed, precision and recall averaged
// over the orders that occur on both sides, then combined into an F-score
// with beta = 2 (recall weighted twice as much as precision). There are no
// word n-grams (that would be chrF++).
//
// Both take one reference per hypothesis, refs[i] for hyps[i], and score
// on a 0–100 scale. Like sacreBLEU, they score the pairs that exist when
// the slices have different lengths. Unlike sacreBLEU, which refuses an
// empty reference, an empty reference is scored as a reference with no
// words. Invalid UTF-8 is read as U+FFFD, and "whitespace" means what it
// means to Python's str.split() (Unicode White_Space plus U+001C–U+001F).
//
// SentenceCHRF scores a single pair from character n-grams counted once
// (NewCharNgrams), so that minimum Bayes risk decoding can compare every
// pair of a beam's hypotheses cheaply; it equals CHRF of that one pair.
//
// This package only computes scores; reading files, detokenizing and
// reporting belong to the callers (the CLI's evaluation commands).
package metrics
