package nmt

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestBuildShortlistLearnsTranslations trains on pairs in which source id s
// is always translated by target id 10+s among noise, and finds it.
func TestBuildShortlistLearnsTranslations(t *testing.T) {
	var pairs [][2][]int
	for k := 0; k < 200; k++ {
		a, b := k%5, (k/5)%5
		if a == b {
			continue
		}
		pairs = append(pairs, [2][]int{{a, b}, {10 + b, 30 + k%3, 10 + a}})
	}
	sl, err := BuildShortlist(pairs, 8, 40, ShortlistOptions{Frequent: 2, PerSource: 1})
	if err != nil {
		t.Fatal(err)
	}
	for s := 0; s < 5; s++ {
		if !reflect.DeepEqual(sl.Candidates[s], []int{10 + s}) {
			t.Errorf("source %d: candidates %v, want [%d]", s, sl.Candidates[s], 10+s)
		}
	}
	// Each of 10…14 is in two fifths of the targets, each of 30…32 in a third.
	if !reflect.DeepEqual(sl.Frequent, []int{10, 11}) {
		t.Errorf("frequent %v, want [10 11]", sl.Frequent)
	}
	if got := sl.Select([][]int{{1, 3}, {1}}, 0); !reflect.DeepEqual(got, []int{0, 10, 11, 13}) {
		t.Errorf("Select: %v", got)
	}
	if _, err := BuildShortlist([][2][]int{{{9}, {1}}}, 8, 40, ShortlistOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("a source id outside the vocabulary: %v", err)
	}
}

func TestShortlistReadWrite(t *testing.T) {
	sl := &Shortlist{Frequent: []int{4, 2}, Candidates: [][]int{nil, {7, 3}, nil, {1}}}
	var b bytes.Buffer
	if _, err := sl.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != "frequent 4 2\n1 7 3\n3 1\n" {
		t.Errorf("written as %q", b.String())
	}
	back, err := ReadShortlist(strings.NewReader(b.String()), 4, 8)
	if err != nil || !reflect.DeepEqual(back, sl) {
		t.Fatalf("read back %+v, %v", back, err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	sl.WriteTo(zw)
	zw.Close()
	if back, err := ReadShortlist(bytes.NewReader(z.Bytes()), 4, 8); err != nil || !reflect.DeepEqual(back, sl) {
		t.Fatalf("read back from gzip %+v, %v", back, err)
	}
	for _, bad := range []string{
		"\x1f\x8b", "\x1f\x8bnot gzip at all", z.String()[:z.Len()-6],
		"", "1 2\n", "frequent 9\n", "frequent 1\nfrequent 2\n", "frequent\n4 1\n", "frequent\nx 1\n", "frequent\n1 -1\n", "frequent\n1 ☃\n",
	} {
		if _, err := ReadShortlist(strings.NewReader(bad), 4, 8); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func FuzzReadShortlist(f *testing.F) {
	f.Add("frequent 4 2\n1 7 3\n3 1\n")
	f.Add("frequent\n\n0\n")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("frequent 4 2\n1 7 3\n3 1\n"))
	zw.Close()
	f.Add(z.String())
	f.Fuzz(func(t *testing.T, s string) {
		sl, err := ReadShortlist(strings.NewReader(s), 6, 9)
		if err != nil {
			return
		}
		for _, ids := range append([][]int{sl.Frequent}, sl.Candidates...) {
			for _, id := range ids {
				if id < 0 || id >= 9 {
					t.Fatalf("id %d accepted", id)
				}
			}
		}
		if len(sl.Candidates) != 6 {
			t.Fatalf("%d candidate lists", len(sl.Candidates))
		}
	})
}

// TestTranslateWithShortlist checks that a shortlist holding the whole
// vocabulary changes nothing, and that a small one keeps the output inside
// it.
func TestTranslateWithShortlist(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	info := tr.Info()
	opts := Options{BeamSize: 2, MaxLength: 12}
	want, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int, info.TargetVocab)
	for i := range all {
		all[i] = i
	}
	whole, err := tr.WithShortlist(&Shortlist{Frequent: all, Candidates: make([][]int, info.SourceVocab)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := whole.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("with the whole vocabulary as shortlist: %v\n%+v\nwant %+v", err, got, want)
	}
	keep := []int{5, 6, 7, 8, 9}
	small, err := tr.WithShortlist(&Shortlist{Frequent: keep, Candidates: make([][]int, info.SourceVocab)})
	if err != nil {
		t.Fatal(err)
	}
	got, err = small.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range got {
		for _, s := range res.Sentences {
			for _, tok := range s.Hypotheses[0].Tokens {
				if tok.ID < 5 || tok.ID > 9 {
					t.Fatalf("token %d outside the shortlist", tok.ID)
				}
			}
		}
	}
	if _, err := tr.WithShortlist(&Shortlist{Frequent: []int{info.TargetVocab}}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("an id outside the vocabulary: %v", err)
	}
}

// withTestShortlist is tr with a shortlist that gives each source token
// its own 30 candidates, spread over the vocabulary, and 8 frequent
// tokens: sentences of different tokens keep different lists.
func withTestShortlist(t *testing.T, tr *Translator) *Translator {
	t.Helper()
	info := tr.Info()
	sl := &Shortlist{Frequent: []int{2, 3, 4, 5, 6, 7, 8, 9}, Candidates: make([][]int, info.SourceVocab)}
	for s := range sl.Candidates {
		for j := range 30 {
			sl.Candidates[s] = append(sl.Candidates[s], (s*37+j*11)%info.TargetVocab)
		}
	}
	short, err := tr.WithShortlist(sl)
	if err != nil {
		t.Fatal(err)
	}
	return short
}

// TestShortlistPerSentence checks that with a shortlist a text's
// translation is the same alone as beside others in one call, greedy and
// beam: each sentence keeps its own tokens, not the batch's.
func TestShortlistPerSentence(t *testing.T) {
	tr := withTestShortlist(t, openTiny(t, "tiny-swish-shared"))
	for _, opts := range []Options{{BeamSize: 1, MaxLength: 16, Attention: true}, {BeamSize: 3, NBest: 2, MaxLength: 16}} {
		all, err := tr.Translate(context.Background(), Request{Texts: texts, Options: opts}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range texts {
			alone, err := tr.Translate(context.Background(), Request{Texts: []string{text}, Options: opts}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(alone[0], all[i]) {
				t.Errorf("beam %d, text %d: alone %+v\nbeside the others %+v", opts.BeamSize, i, alone[0], all[i])
			}
		}
	}
}
