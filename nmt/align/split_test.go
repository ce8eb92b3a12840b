package align

import (
	"bytes"
	"compress/gzip"
	"os"
	"reflect"
	"strings"
	"testing"
)

// splitCorpus has a verse of each split, with hard Unicode on both sides.
const splitCorpus = "Ruth.1.1\tRuth\tIn the days — ‘when’ the judges judged\tEn los días cuando gobernaban los jueces\n" +
	"Gen.1.1\tGen\tIn the beginning אֱלֹהִים created\tEn el principio crió Dios 🌍\n" +
	"\n" +
	"Col.1.1\tCol\tPaul, an apostle (Παῦλος ἀπόστολος)\tPablo, apóstol de Jesu Cristo\r\n" +
	"Ruth.1.2\tRuth\tThe name of the man was Elimelech\tY el nombre de aquel varón era Elimelec\n" +
	"Gen.1.2\tGen\tAnd the earth was 空虚\tY la tierra estaba desordenada y vacía\n"

func TestReadSplit(t *testing.T) {
	cases := []struct {
		split Split
		limit int
		refs  string
	}{
		{SplitTest, 0, "Ruth.1.1 Ruth.1.2"},
		{SplitTest, 1, "Ruth.1.1"},
		{SplitTest, 5, "Ruth.1.1 Ruth.1.2"},
		{SplitDev, 0, "Col.1.1"},
		{SplitTrain, 0, "Gen.1.1 Gen.1.2"},
		{SplitTrain, 1, "Gen.1.1"},
	}
	for _, c := range cases {
		verses, err := ReadSplit(strings.NewReader(splitCorpus), c.split, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, v := range verses {
			refs = append(refs, v.Ref)
		}
		if got := strings.Join(refs, " "); got != c.refs {
			t.Errorf("%s split, limit %d: %s, want %s", c.split, c.limit, got, c.refs)
		}
	}
	verses, _ := ReadSplit(strings.NewReader(splitCorpus), SplitDev, 0)
	if want := (Verse{"Col.1.1", "Col", "Paul, an apostle (Παῦλος ἀπόστολος)", "Pablo, apóstol de Jesu Cristo"}); verses[0] != want {
		t.Errorf("dev verse %+v, want %+v", verses[0], want)
	}
	// A bad line is an error, past the verses kept or not, unless the
	// limit was reached before it.
	bad := splitCorpus + "Ruth.1.3\tJonah\tx\ty\n"
	if _, err := ReadSplit(strings.NewReader(bad), SplitTrain, 0); err == nil || !strings.HasPrefix(err.Error(), "line 7: ") {
		t.Errorf("a ref outside its book: %v", err)
	}
	if verses, err := ReadSplit(strings.NewReader(bad), SplitTest, 2); err != nil || len(verses) != 2 {
		t.Errorf("the limit reached before the bad line: %d verses, %v", len(verses), err)
	}
	if verses, err := ReadSplit(strings.NewReader("\xff\xfe"), SplitTest, 0); err == nil {
		t.Errorf("a line of invalid UTF-8: %d verses, no error", len(verses))
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if _, err := z.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadGoldCompressed: a gzip-compressed gold file reads as the plain
// one; a damaged one is an error.
func TestReadGoldCompressed(t *testing.T) {
	plain, err := os.ReadFile("testdata/gold.sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	z := gzipped(t, plain)
	for _, limit := range []int{0, 1, 5, 100} {
		a, err := ReadGoldSplit(bytes.NewReader(plain), SplitTest, limit)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ReadGoldSplit(bytes.NewReader(z), SplitTest, limit)
		if err != nil {
			t.Fatal(err)
		}
		want := 22
		if limit > 0 {
			want = min(limit, 22)
		}
		if len(a) != want || !reflect.DeepEqual(a, b) {
			t.Errorf("limit %d: %d plain and %d compressed verses, want %d, equal", limit, len(a), len(b), want)
		}
	}
	if gold, err := ReadGoldSplit(bytes.NewReader(z), SplitDev, 0); err != nil || len(gold) != 0 {
		t.Errorf("dev split of Ruth's verses: %d, %v", len(gold), err)
	}
	if _, err := ReadGoldSplit(bytes.NewReader(z[:len(z)/2]), SplitTest, 0); err == nil {
		t.Error("half a gzip stream read without error")
	}
	if _, err := ReadGoldSplit(bytes.NewReader(z[:5]), SplitTest, 0); err == nil {
		t.Error("a gzip header cut short read without error")
	}
}

// FuzzReadGold: whatever the bytes, ReadGold does not panic, and their
// gzip compression reads the same pairs, or fails the same way.
func FuzzReadGold(f *testing.F) {
	line := []byte(`{"ref":"Ruth.1.1","en":"ab","es":"cé","links":[[0,1,1,2,"H1",1]]}` + "\n")
	f.Add(line)
	f.Add(gzipped(f, line))
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte("\n\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(b []byte) ([]GoldPair, error) {
			var out []GoldPair
			err := ReadGold(bytes.NewReader(b), func(g GoldPair) error { out = append(out, g); return nil })
			return out, err
		}
		plain, perr := read(data)
		if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			return
		}
		z, zerr := read(gzipped(t, data))
		if (perr == nil) != (zerr == nil) || !reflect.DeepEqual(plain, z) {
			t.Fatalf("plain: %d pairs, %v; compressed: %d pairs, %v", len(plain), perr, len(z), zerr)
		}
	})
}

func TestIBM1Pairs(t *testing.T) {
	verses, err := ReadSplit(strings.NewReader(splitCorpus), SplitTrain, 0)
	if err != nil {
		t.Fatal(err)
	}
	fwd, rev := IBM1Pairs(verses, false), IBM1Pairs(verses, true)
	if len(fwd) != 2 || !reflect.DeepEqual(fwd[0][0], IBM1Words(verses[0].Source)) || !reflect.DeepEqual(fwd[1][1], IBM1Words("Y la tierra estaba desordenada y vacía")) {
		t.Fatalf("pairs %q", fwd)
	}
	for i := range fwd {
		if !reflect.DeepEqual(fwd[i][0], rev[i][1]) || !reflect.DeepEqual(fwd[i][1], rev[i][0]) {
			t.Errorf("pair %d reversed: %q, forward %q", i, rev[i], fwd[i])
		}
	}
}
