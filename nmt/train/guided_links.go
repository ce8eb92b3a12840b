package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/tokenize"
)

// GuideLinkStats count what BuildGuideLinks found.
type GuideLinkStats struct {
	Pairs            int `json:"pairs"`             // training pairs
	GoldPairs        int `json:"gold_pairs"`        // pairs whose texts matched a gold verse with links
	LinkedPairs      int `json:"linked_pairs"`      // pairs with at least one token link
	GoldWordLinks    int `json:"gold_word_links"`   // word links taken from the gold
	IBM1WordLinks    int `json:"ibm1_word_links"`   // word links taken from IBM Model 1
	TokenLinks       int `json:"token_links"`       // token links written
	TargetTokens     int `json:"target_tokens"`     // target tokens of all pairs (end-of-sentence excluded)
	SupervisedTokens int `json:"supervised_tokens"` // target tokens with at least one link
}

// String is a one-line summary for logs.
func (s GuideLinkStats) String() string {
	return fmt.Sprintf("%d of %d pairs linked (%d from gold verses); word links: %d gold, %d IBM1; %d token links; %d of %d target tokens supervised (%.0f%%)",
		s.LinkedPairs, s.Pairs, s.GoldPairs, s.GoldWordLinks, s.IBM1WordLinks, s.TokenLinks, s.SupervisedTokens, s.TargetTokens,
		100*float64(s.SupervisedTokens)/float64(max(s.TargetTokens, 1)))
}

// WordLinker gives word links for the training pairs. Gold verses and an
// IBM Model 1 aligner may both be set; each target word takes its gold
// links when it has any and its IBM1 links otherwise.
type WordLinker struct {
	// Gold are verses with human links (align.GoldPair: English source,
	// Spanish target). A training pair uses a verse whose two texts equal
	// its own, in either direction (Spanish→English pairs read the links
	// the other way round); the first such verse wins.
	Gold []align.GoldPair
	// IBM1, when not nil, links every pair by (*align.IBM1).Align with
	// IBM1Method.
	IBM1       *align.IBM1
	IBM1Method align.Symmetrization

	forward, backward map[string]int // "source\x00target" → index into Gold
}

func textKey(a, b string) string { return a + "\x00" + b }

func (wl *WordLinker) index() {
	if wl.forward != nil {
		return
	}
	wl.forward, wl.backward = map[string]int{}, map[string]int{}
	for i, g := range wl.Gold {
		if len(g.Links) == 0 {
			continue
		}
		en, es := strings.TrimSpace(g.Source), strings.TrimSpace(g.Target)
		if _, ok := wl.forward[textKey(en, es)]; !ok {
			wl.forward[textKey(en, es)] = i
		}
		if _, ok := wl.backward[textKey(es, en)]; !ok {
			wl.backward[textKey(es, en)] = i
		}
	}
}

// gold returns the gold word links of a pair (Source = word of source,
// Target = word of target, on the words of align.Segment), and whether a
// verse matched.
func (wl *WordLinker) gold(source, target string) ([]align.Link, bool) {
	wl.index()
	if i, ok := wl.forward[textKey(source, target)]; ok {
		return wl.Gold[i].Words().Possible, true
	}
	if i, ok := wl.backward[textKey(source, target)]; ok {
		links := wl.Gold[i].Words().Possible
		out := make([]align.Link, len(links))
		for k, l := range links {
			out[k] = align.Link{Source: l.Target, Target: l.Source}
		}
		return out, true
	}
	return nil, false
}

// Words returns the word links of one pair, and how many came from each
// source. Gold verses may leave words untagged (KJV function words): a
// target word without a gold link takes the IBM1 links of that word.
func (wl *WordLinker) Words(source, target string) (links []align.Link, fromGold, fromIBM1 int, matched bool, err error) {
	gold, matched := wl.gold(source, target)
	goldTarget := map[int]bool{}
	for _, l := range gold {
		goldTarget[l.Target] = true
	}
	links = append(links, gold...)
	fromGold = len(gold)
	if wl.IBM1 != nil {
		a, err := wl.IBM1.Align(source, target, wl.IBM1Method)
		if err != nil {
			return nil, 0, 0, matched, err
		}
		for _, l := range a.Links {
			if !goldTarget[l.Target] {
				links = append(links, l)
				fromIBM1++
			}
		}
	}
	slices.SortFunc(links, func(a, b align.Link) int {
		if a.Source != b.Source {
			return a.Source - b.Source
		}
		return a.Target - b.Target
	})
	return slices.Compact(links), fromGold, fromIBM1, matched, nil
}

// SpanEncoder is a tokenizer's Encode: subword tokens with byte spans,
// without the end-of-sentence token.
type SpanEncoder func(text string) ([]tokenize.Token, error)

// TokenLinks maps word links (on the words of align.Segment) to token
// links: every token of a linked target word is linked to every token of
// the source word, a token belonging to the word it overlaps most
// (align.NewText, the rule alignment extraction uses). Tokens that belong
// to no word (a lone space marker) get no link. Source and Target of the
// result are token positions; the links are sorted and distinct.
func TokenLinks(source string, srcToks []tokenize.Token, target string, tgtToks []tokenize.Token, words []align.Link) ([]align.Link, error) {
	src, err := textTokens(source, srcToks)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	tgt, err := textTokens(target, tgtToks)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	srcOf, tgtOf := tokensOfWords(src), tokensOfWords(tgt)
	var out []align.Link
	for _, w := range words {
		if w.Source < 0 || w.Source >= len(src.Words) || w.Target < 0 || w.Target >= len(tgt.Words) {
			return nil, fmt.Errorf("word link %s outside %d source and %d target words", w, len(src.Words), len(tgt.Words))
		}
		for _, t := range tgtOf[w.Target] {
			for _, s := range srcOf[w.Source] {
				out = append(out, align.Link{Source: s, Target: t})
			}
		}
	}
	slices.SortFunc(out, func(a, b align.Link) int {
		if a.Source != b.Source {
			return a.Source - b.Source
		}
		return a.Target - b.Target
	})
	return slices.Compact(out), nil
}

func textTokens(text string, toks []tokenize.Token) (align.Text, error) {
	at := make([]align.Token, len(toks))
	for i, t := range toks {
		at[i] = align.Token{ID: t.ID, Piece: t.Piece, Start: t.Start, End: t.End}
	}
	return align.NewText(text, at)
}

// tokensOfWords lists the token positions of every word.
func tokensOfWords(t align.Text) [][]int {
	out := make([][]int, len(t.Words))
	for i, tok := range t.Tokens {
		if tok.Word >= 0 {
			out[tok.Word] = append(out[tok.Word], i)
		}
	}
	return out
}

// BuildGuideLinks computes the token links of every training pair for
// SetGuide: word links from wl, mapped to the tokens encode gives (which
// must be the tokens of pairs: a count that disagrees is an error).
func BuildGuideLinks(ex []Example, pairs []Pair, encode SpanEncoder, wl *WordLinker) ([][]align.Link, GuideLinkStats, error) {
	if len(ex) != len(pairs) {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %d examples for %d pairs", len(ex), len(pairs))
	}
	st := GuideLinkStats{Pairs: len(pairs)}
	out := make([][]align.Link, len(ex))
	for k, e := range ex {
		words, fromGold, fromIBM1, matched, err := wl.Words(e.Source, e.Target)
		if err != nil {
			return nil, st, fmt.Errorf("train: word links of training pair %d: %w", k+1, err)
		}
		srcToks, err := encode(e.Source)
		if err != nil {
			return nil, st, fmt.Errorf("train: encoding source %d: %w", k+1, err)
		}
		tgtToks, err := encode(e.Target)
		if err != nil {
			return nil, st, fmt.Errorf("train: encoding target %d: %w", k+1, err)
		}
		if len(srcToks)+1 != len(pairs[k].Src) || len(tgtToks)+1 != len(pairs[k].Tgt) {
			return nil, st, fmt.Errorf("train: training pair %d has %d+%d tokens but the tokenizer gives %d+%d: links need the pairs' own tokenizer",
				k+1, len(pairs[k].Src)-1, len(pairs[k].Tgt)-1, len(srcToks), len(tgtToks))
		}
		links, err := TokenLinks(e.Source, srcToks, e.Target, tgtToks, words)
		if err != nil {
			return nil, st, fmt.Errorf("train: token links of training pair %d: %w", k+1, err)
		}
		out[k] = links
		if matched && fromGold > 0 {
			st.GoldPairs++
		}
		st.GoldWordLinks += fromGold
		st.IBM1WordLinks += fromIBM1
		st.TokenLinks += len(links)
		st.TargetTokens += len(tgtToks)
		rows := map[int]bool{}
		for _, l := range links {
			rows[l.Target] = true
		}
		st.SupervisedTokens += len(rows)
		if len(links) > 0 {
			st.LinkedPairs++
		}
	}
	return out, st, nil
}
