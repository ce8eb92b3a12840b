package align

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// GoldPair is one verse of the gold links file: one JSON object per line,
//
//	{"ref": "Gen.1.1", "en": "...", "es": "...",
//	 "links": [[en_start, en_end, es_start, es_end, "H0430", 1], ...]}
//
// with spans in Unicode code points (end exclusive). English is the source
// side, Spanish the target side.
type GoldPair struct {
	Ref    string
	Source string
	Target string
	Links  []GoldLink
}

// Reverse returns the pair with its sides swapped: Spanish as the source,
// English as the target (for scoring a Spanish→English aligner).
func (g GoldPair) Reverse() GoldPair {
	r := GoldPair{Ref: g.Ref, Source: g.Target, Target: g.Source, Links: make([]GoldLink, len(g.Links))}
	for i, l := range g.Links {
		r.Links[i] = GoldLink{SourceStart: l.TargetStart, SourceEnd: l.TargetEnd, TargetStart: l.SourceStart, TargetEnd: l.SourceEnd, Tag: l.Tag, Sure: l.Sure}
	}
	return r
}

// GoldLink links one source word to one target word.
type GoldLink struct {
	SourceStart, SourceEnd int // code point span in the source text
	TargetStart, TargetEnd int // code point span in the target text
	Tag                    string
	Sure                   bool // a sure link (S); every link is possible (P)
}

type goldJSON struct {
	Ref   string            `json:"ref"`
	En    *string           `json:"en"`
	Es    *string           `json:"es"`
	Links []json.RawMessage `json:"links"`
}

// ParseGold parses one line of the gold links file and checks every span
// against the texts.
func ParseGold(line []byte) (GoldPair, error) {
	var raw goldJSON
	if err := json.Unmarshal(line, &raw); err != nil {
		return GoldPair{}, fmt.Errorf("align: gold: %v", err)
	}
	if raw.En == nil || raw.Es == nil {
		return GoldPair{}, fmt.Errorf("align: gold %q: missing \"en\" or \"es\"", raw.Ref)
	}
	g := GoldPair{Ref: raw.Ref, Source: *raw.En, Target: *raw.Es}
	if !utf8.ValidString(g.Source) || !utf8.ValidString(g.Target) {
		return GoldPair{}, fmt.Errorf("align: gold %q: text is not valid UTF-8", g.Ref)
	}
	nSrc, nTgt := utf8.RuneCountInString(g.Source), utf8.RuneCountInString(g.Target)
	for k, rl := range raw.Links {
		l, err := parseGoldLink(rl)
		if err != nil {
			return GoldPair{}, fmt.Errorf("align: gold %q link %d: %v", g.Ref, k, err)
		}
		if l.SourceStart < 0 || l.SourceEnd <= l.SourceStart || l.SourceEnd > nSrc {
			return GoldPair{}, fmt.Errorf("align: gold %q link %d: source span [%d,%d) outside the %d-character text", g.Ref, k, l.SourceStart, l.SourceEnd, nSrc)
		}
		if l.TargetStart < 0 || l.TargetEnd <= l.TargetStart || l.TargetEnd > nTgt {
			return GoldPair{}, fmt.Errorf("align: gold %q link %d: target span [%d,%d) outside the %d-character text", g.Ref, k, l.TargetStart, l.TargetEnd, nTgt)
		}
		g.Links = append(g.Links, l)
	}
	return g, nil
}

func parseGoldLink(raw json.RawMessage) (GoldLink, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil {
		return GoldLink{}, fmt.Errorf("not an array: %v", err)
	}
	if len(parts) != 6 {
		return GoldLink{}, fmt.Errorf("has %d fields, want 6 (en_start, en_end, es_start, es_end, tag, sure)", len(parts))
	}
	var nums [4]int
	for i := range nums {
		if err := json.Unmarshal(parts[i], &nums[i]); err != nil {
			return GoldLink{}, fmt.Errorf("field %d is not an integer: %s", i, parts[i])
		}
	}
	var l GoldLink
	if err := json.Unmarshal(parts[4], &l.Tag); err != nil {
		return GoldLink{}, fmt.Errorf("field 4 is not a string: %s", parts[4])
	}
	var sure int
	if err := json.Unmarshal(parts[5], &sure); err != nil || (sure != 0 && sure != 1) {
		return GoldLink{}, fmt.Errorf("field 5 (sure) is %s, want 0 or 1", parts[5])
	}
	l.SourceStart, l.SourceEnd, l.TargetStart, l.TargetEnd = nums[0], nums[1], nums[2], nums[3]
	l.Sure = sure == 1
	return l, nil
}

// ReadGold reads a gold links file, gzip-compressed or plain (told apart
// by the gzip magic bytes, which no JSON line starts with), and calls fn
// for every verse in order. Blank lines are skipped; errors name the line.
func ReadGold(r io.Reader, fn func(GoldPair) error) error {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer z.Close()
		r = z
	} else {
		r = br
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		g, err := ParseGold(line)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("align: reading gold: %w", err)
	}
	return nil
}

// GoldWords is a gold pair at word level, on the words Segment finds.
type GoldWords struct {
	Source, Target []Word
	Sure           []Link // S
	Possible       []Link // P (includes S)
	SourceTagged   []bool // source word carries at least one gold link
	TargetTagged   []bool
}

// Words maps the gold spans onto the words of Segment: a gold span links
// every word it overlaps (normally exactly one).
func (g GoldPair) Words() GoldWords {
	gw := GoldWords{Source: Segment(g.Source), Target: Segment(g.Target)}
	gw.SourceTagged = make([]bool, len(gw.Source))
	gw.TargetTagged = make([]bool, len(gw.Target))
	sure := newLinkGrid(len(gw.Source), len(gw.Target))
	possible := newLinkGrid(len(gw.Source), len(gw.Target))
	for _, l := range g.Links {
		for _, i := range overlapping(gw.Source, l.SourceStart, l.SourceEnd) {
			for _, j := range overlapping(gw.Target, l.TargetStart, l.TargetEnd) {
				possible.set(Link{i, j})
				if l.Sure {
					sure.set(Link{i, j})
				}
				gw.SourceTagged[i], gw.TargetTagged[j] = true, true
			}
		}
	}
	gw.Sure, gw.Possible = sure.links(), possible.links()
	return gw
}

// overlapping returns the indices of the words whose character span
// overlaps [start,end).
func overlapping(words []Word, start, end int) []int {
	var out []int
	for i, w := range words {
		if w.CharStart < end && w.CharEnd > start {
			out = append(out, i)
		}
	}
	return out
}

// Counts are the link counts behind AER, precision and recall, summed over
// a test set.
type Counts struct {
	Predicted         int // |A|
	Sure              int // |S|
	Possible          int // |P|
	PredictedSure     int // |A ∩ S|
	PredictedPossible int // |A ∩ P|
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Predicted += o.Predicted
	c.Sure += o.Sure
	c.Possible += o.Possible
	c.PredictedSure += o.PredictedSure
	c.PredictedPossible += o.PredictedPossible
}

// AER is Och & Ney's alignment error rate, 1 − (|A∩S| + |A∩P|) / (|A| + |S|).
func (c Counts) AER() float64 {
	if c.Predicted+c.Sure == 0 {
		return 0
	}
	return 1 - float64(c.PredictedSure+c.PredictedPossible)/float64(c.Predicted+c.Sure)
}

// Precision is |A∩P| / |A|.
func (c Counts) Precision() float64 { return ratio(c.PredictedPossible, c.Predicted) }

// Recall is |A∩S| / |S|.
func (c Counts) Recall() float64 { return ratio(c.PredictedSure, c.Sure) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// String prints the counts and the three rates.
func (c Counts) String() string {
	return fmt.Sprintf("AER %.3f  precision %.3f  recall %.3f  (|A| %d, |S| %d, |P| %d, |A∩S| %d, |A∩P| %d)",
		c.AER(), c.Precision(), c.Recall(), c.Predicted, c.Sure, c.Possible, c.PredictedSure, c.PredictedPossible)
}

// Score compares predicted links (word indices into gw.Source and
// gw.Target) with the gold, counting only predicted links whose source and
// target words both carry a gold link: the gold leaves most function words
// untagged, and a link to an untagged word can be neither confirmed nor
// refuted.
func (gw GoldWords) Score(pred []Link) Counts {
	sure := newLinkGrid(len(gw.Source), len(gw.Target))
	possible := newLinkGrid(len(gw.Source), len(gw.Target))
	for _, l := range gw.Sure {
		sure.set(l)
	}
	for _, l := range gw.Possible {
		possible.set(l)
	}
	c := Counts{Sure: len(gw.Sure), Possible: len(gw.Possible)}
	seen := newLinkGrid(len(gw.Source), len(gw.Target))
	for _, l := range pred {
		if !seen.inside(l) || seen.has(l) || !gw.SourceTagged[l.Source] || !gw.TargetTagged[l.Target] {
			continue
		}
		seen.set(l)
		c.Predicted++
		if sure.has(l) {
			c.PredictedSure++
		}
		if possible.has(l) {
			c.PredictedPossible++
		}
	}
	return c
}

// Evaluate aligns every gold pair with alignFn and sums the counts of
// GoldWords.Score. The alignment must be of the gold texts themselves
// (its words are then the gold's words).
func Evaluate(gold []GoldPair, alignFn func(GoldPair) (*Alignment, error)) (Counts, error) {
	var total Counts
	for _, g := range gold {
		a, err := alignFn(g)
		if err != nil {
			return total, fmt.Errorf("align: %s: %w", g.Ref, err)
		}
		if a.Source.Text != g.Source || a.Target.Text != g.Target {
			return total, fmt.Errorf("align: %s: the alignment is of other texts than the gold", g.Ref)
		}
		total.Add(g.Words().Score(a.Links))
	}
	return total, nil
}
