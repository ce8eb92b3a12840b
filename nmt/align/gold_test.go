package align

import (
	"cmp"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseGold(t *testing.T) {
	line := `{"ref": "Gen.1.1", "en": "In the beginning God created the heaven.", "es": "En el principio crió Dios los cielos.", "links": [[17, 20, 21, 25, "H0430", 1], [7, 16, 0, 2, "H7225", 0], [7, 16, 6, 15, "H7225", 0], [21, 28, 16, 20, "H1254", 1]]}`
	g, err := ParseGold([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if g.Ref != "Gen.1.1" || len(g.Links) != 4 || g.Links[0] != (GoldLink{17, 20, 21, 25, "H0430", true}) {
		t.Fatalf("parsed %+v", g)
	}
	gw := g.Words()
	// en: In(0) the(1) beginning(2) God(3) created(4) the(5) heaven(6) .(7)
	// es: En(0) el(1) principio(2) crió(3) Dios(4) los(5) cielos(6) .(7)
	if want := []Link{{3, 4}, {4, 3}}; !reflect.DeepEqual(gw.Sure, want) {
		t.Errorf("sure %v, want %v", gw.Sure, want)
	}
	if want := []Link{{2, 0}, {2, 2}, {3, 4}, {4, 3}}; !reflect.DeepEqual(gw.Possible, want) {
		t.Errorf("possible %v, want %v", gw.Possible, want)
	}
	if want := []bool{false, false, true, true, true, false, false, false}; !reflect.DeepEqual(gw.SourceTagged, want) {
		t.Errorf("source tagged %v", gw.SourceTagged)
	}

	// Predicted: two sure hits, one possible hit, one wrong link between
	// tagged words, and two links touching untagged words (not counted).
	pred := []Link{{3, 4}, {4, 3}, {2, 2}, {2, 4}, {1, 1}, {6, 6}, {3, 4}}
	c := gw.Score(pred)
	want := Counts{Predicted: 4, Sure: 2, Possible: 4, PredictedSure: 2, PredictedPossible: 3}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	// AER = 1 - (2+3)/(4+2); precision 3/4; recall 2/2.
	if math.Abs(c.AER()-1.0/6) > 1e-12 || c.Precision() != 0.75 || c.Recall() != 1 {
		t.Fatalf("AER %v precision %v recall %v", c.AER(), c.Precision(), c.Recall())
	}
	if perfect := gw.Score(gw.Sure); perfect.AER() != 0 {
		t.Fatalf("the sure links score AER %v, want 0", perfect.AER())
	}
	var zero Counts
	if zero.AER() != 0 || zero.Precision() != 0 || zero.Recall() != 0 {
		t.Fatal("empty counts should score 0")
	}
}

func TestParseGoldErrors(t *testing.T) {
	tests := []struct{ line, wantErr string }{
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,0,1,"H1",1]]}x`, "gold"},
		{`{"ref":"a","es":"cd","links":[]}`, `missing "en" or "es"`},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,0,1,"H1"]]}`, "has 5 fields, want 6"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,0,"1","H1",1]]}`, "field 3 is not an integer"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,0,1,7,1]]}`, "field 4 is not a string"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,0,1,"H1",2]]}`, "field 5 (sure) is 2"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,3,0,1,"H1",1]]}`, "source span [0,3) outside the 2-character text"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[1,1,0,1,"H1",1]]}`, "source span [1,1)"},
		{`{"ref":"a","en":"ab","es":"cé","links":[[0,1,1,3,"H1",1]]}`, "target span [1,3) outside the 2-character text"},
		{`{"ref":"a","en":"ab","es":"cd","links":[[0,1,-1,1,"H1",1]]}`, "target span [-1,1)"},
		{`{"ref":"a","en":"ab","es":"cd","links":[7]}`, "not an array"},
		{`{"ref":"a","en":"a\ud800","es":"cd","links":[]}`, ""}, // JSON turns a lone surrogate into U+FFFD: valid
	}
	for _, tt := range tests {
		_, err := ParseGold([]byte(tt.line))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("ParseGold(%s): %v", tt.line, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseGold(%s) error %v, want one containing %q", tt.line, err, tt.wantErr)
		}
	}
	err := ReadGold(strings.NewReader("\n"+`{"ref":"a","en":"ab","es":"cd","links":[]}`+"\n\n{"), func(GoldPair) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "line 4: ") {
		t.Errorf("ReadGold error %v, want one naming line 4", err)
	}
}

func TestGoldSample(t *testing.T) {
	gold := readSampleGold(t)
	if len(gold) != 22 || gold[0].Ref != "Ruth.1.1" {
		t.Fatalf("read %d verses, first %q", len(gold), gold[0].Ref)
	}
	// Every gold span lands on exactly one word of Segment.
	for _, g := range gold {
		src, tgt := Segment(g.Source), Segment(g.Target)
		for _, l := range g.Links {
			if n := len(overlapping(src, l.SourceStart, l.SourceEnd)); n != 1 {
				t.Errorf("%s: source span [%d,%d) covers %d words", g.Ref, l.SourceStart, l.SourceEnd, n)
			}
			if n := len(overlapping(tgt, l.TargetStart, l.TargetEnd)); n != 1 {
				t.Errorf("%s: target span [%d,%d) covers %d words", g.Ref, l.TargetStart, l.TargetEnd, n)
			}
		}
	}
}

func FuzzParseGold(f *testing.F) {
	f.Add([]byte(`{"ref": "Gen.1.1", "en": "In the beginning", "es": "En el principio", "links": [[7, 16, 0, 2, "H7225", 0], [7, 16, 6, 15, "H7225", 1]]}`))
	f.Add([]byte(`{"ref":"a","en":"ab","es":"cé","links":[[0,1,1,2,"H1",1]]}`))
	f.Add([]byte(`{"links":[[0,1,0,1,"",0]],"en":"","es":""}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, line []byte) {
		g, err := ParseGold(line)
		if err != nil {
			return
		}
		gw := g.Words()
		for _, l := range gw.Possible {
			if l.Source >= len(gw.Source) || l.Target >= len(gw.Target) {
				t.Fatalf("link %v outside the words", l)
			}
		}
		c := gw.Score(gw.Possible)
		if c.PredictedPossible != c.Predicted || c.Precision() != ratio(c.Predicted, c.Predicted) {
			t.Fatalf("scoring the possible links against themselves: %+v", c)
		}
	})
}

func TestParseVerse(t *testing.T) {
	v, err := ParseVerse("1John.2.3\t1John\tAnd hereby we do know\tY en esto sabemos")
	if err != nil || v != (Verse{"1John.2.3", "1John", "And hereby we do know", "Y en esto sabemos"}) {
		t.Fatalf("ParseVerse: %+v, %v", v, err)
	}
	for _, bad := range []string{
		"a\tb\tc",
		"Gen.1.1\tGen\ta\tb\tc",
		"Gen.1.1\tExod\ta\tb",
		"\tGen\ta\tb",
		"Gen.1.1\tGen\t\xff\tb",
	} {
		if _, err := ParseVerse(bad); err == nil {
			t.Errorf("ParseVerse(%q) succeeded", bad)
		}
	}
	tests := map[string]Split{"Ruth": SplitTest, "1John": SplitTest, "Col": SplitDev, "Gen": SplitTrain, "Rev": SplitTrain}
	for book, want := range tests {
		if got := BookSplit(book); got != want {
			t.Errorf("BookSplit(%q) = %q, want %q", book, got, want)
		}
	}
	if RefBook("2Pet.1.1") != "2Pet" || RefBook("Gen") != "Gen" {
		t.Error("RefBook")
	}
	err = ReadCorpus(strings.NewReader("Gen.1.1\tGen\ta\tb\r\n\nbad\n"), func(Verse) error { return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "line 3: ") {
		t.Errorf("ReadCorpus error %v, want one naming line 3", err)
	}
}

func FuzzParseVerse(f *testing.F) {
	f.Add("Gen.1.1\tGen\tIn the beginning\tEn el principio")
	f.Add("a\tb\tc")
	f.Add("Ruth.1.1\tRuth\t\t")
	f.Fuzz(func(t *testing.T, line string) {
		v, err := ParseVerse(line)
		if err != nil {
			return
		}
		if v.Ref+"\t"+v.Book+"\t"+v.Source+"\t"+v.Target != line {
			t.Fatalf("ParseVerse(%q) = %+v does not rebuild the line", line, v)
		}
	})
}

// TestGoldReverse: a reversed pair's words and links are the original's
// with the sides swapped, so an aligner scores the same AER in either
// direction when its links are swapped too.
func TestGoldReverse(t *testing.T) {
	for _, g := range readSampleGold(t) {
		r := g.Reverse()
		if r.Source != g.Target || r.Target != g.Source || r.Ref != g.Ref || len(r.Links) != len(g.Links) {
			t.Fatalf("%s: reversed texts or links wrong", g.Ref)
		}
		if rr := r.Reverse(); !reflect.DeepEqual(rr, g) {
			t.Fatalf("%s: reversing twice does not give the pair back", g.Ref)
		}
		gw, rw := g.Words(), r.Words()
		swapped := func(ls []Link) []Link {
			out := make([]Link, len(ls))
			for i, l := range ls {
				out[i] = Link{Source: l.Target, Target: l.Source}
			}
			slices.SortFunc(out, func(a, b Link) int { return cmp.Or(a.Source-b.Source, a.Target-b.Target) })
			return out
		}
		if !slices.Equal(rw.Sure, swapped(gw.Sure)) || !slices.Equal(rw.Possible, swapped(gw.Possible)) {
			t.Fatalf("%s: reversed links are not the swapped links", g.Ref)
		}
		// A guess scores alike in both directions.
		guess := gw.Possible[:len(gw.Possible)/2]
		if a, b := gw.Score(guess), rw.Score(swapped(guess)); a != b {
			t.Fatalf("%s: counts %+v forwards, %+v reversed", g.Ref, a, b)
		}
	}
}
