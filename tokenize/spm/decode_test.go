package spm

import "testing"

func TestDecodePieces(t *testing.T) {
	plain := mustParse(t, encodeModel(byteTestPieces(), testSpec{byteFallback: true}))
	kept := mustParse(t, encodeModel(basicPieces(), testSpec{keepWhitespace: true}))
	noDummy := mustParse(t, encodeModel(basicPieces(), testSpec{noDummyPrefix: true, keepWhitespace: true}))
	cases := []struct {
		name   string
		m      *Model
		pieces []string
		want   string
	}{
		{"nothing", plain, nil, ""},
		{"dummy prefix dropped", plain, []string{"▁a", "b", "▁", "c"}, "ab c"},
		{"every leading ▁ dropped with remove_extra_whitespaces", plain, []string{"▁", "▁a"}, "a"},
		{"only the first leading ▁ dropped otherwise", kept, []string{"▁", "▁a"}, " a"},
		{"nothing dropped without dummy prefix or clean-up", noDummy, []string{"▁a", "▁", "b"}, " a b"},
		{"control pieces vanish", plain, []string{"<s>", "▁a", "</s>"}, "a"},
		{"<unk> reads as its surface", plain, []string{"▁a", "<unk>"}, "a ⁇ "},
		{"pieces not in the model are copied", plain, []string{"▁a", "▁xyz"}, "a▁xyz"},
		{"bytes reassembled", plain, []string{"▁a", "<0xC3>", "<0xA9>"}, "aé"},
		{"bytes before any text", plain, []string{"<0xC3>", "<0xA9>", "▁a"}, "é a"},
		{"incomplete character", plain, []string{"<0xE6>", "<0x97>", "a"}, "\uFFFD\uFFFDa"},
		{"stray continuation byte", plain, []string{"a", "<0xA9>", "<0xC3>", "<0xA9>"}, "a\uFFFDé"},
	}
	for _, c := range cases {
		if got := c.m.DecodePieces(c.pieces); got != c.want {
			t.Errorf("%s: DecodePieces(%q) = %q, want %q", c.name, c.pieces, got, c.want)
		}
	}
}

func TestDecodeIDs(t *testing.T) {
	m := mustParse(t, encodeModel(basicPieces(), testSpec{}))
	// Ids: 0 <unk>, 1 <s>, 2 </s>, 3 ▁, 4 a, 7 ▁a, 8 ab.
	cases := []struct {
		ids  []int
		want string
	}{
		{[]int{7, 8, 3, 4}, "aab a"},
		{[]int{1, 7, 2}, "a"},
		{[]int{-1, 7, 99, 4}, "aa"}, // out of range: skipped
		{[]int{0}, " ⁇ "},
	}
	for _, c := range cases {
		if got := m.Decode(c.ids); got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
}

// Decoding undoes encoding up to normalization (see checkRoundTrip).
func TestRoundTrip(t *testing.T) {
	for _, name := range goldenModels {
		m := loadTestModel(t, name)
		checked := 0
		for _, in := range goldenInputs {
			for _, line := range readLines(t, "testdata/"+in+".txt") {
				checkRoundTrip(t, m, line)
				checked++
			}
		}
		t.Logf("%s: %d lines", name, checked)
	}
}
