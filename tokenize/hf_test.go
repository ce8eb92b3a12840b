package tokenize

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

var (
	sampleOnce sync.Once
	sampleTok  *HF
	sampleBPE  *BPE
	sampleErr  error
)

// sampleTokenizer loads testdata/bible-sample-bpe.json (the golden file of
// TestTrainBPEGolden) and returns it with the BPE that the trainer makes
// from the sample, for the reference encoder.
func sampleTokenizer(t testing.TB) (*HF, *BPE) {
	t.Helper()
	sampleOnce.Do(func() {
		sampleTok, sampleErr = Load(filepath.Join("testdata", "bible-sample-bpe.json"))
		if sampleErr == nil {
			sampleBPE, sampleErr = TrainBPE(sampleLines(t), BPEOptions{VocabSize: sampleVocab})
		}
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleTok, sampleBPE
}

// hardTexts are inputs that have broken tokenizers before.
var hardTexts = []struct{ name, text string }{
	{"empty", ""},
	{"one space", " "},
	{"only spaces", "    "},
	{"leading and trailing spaces", "  In the beginning  "},
	{"tabs and newlines", "a\tb\n\nc\r\n"},
	{"english verse", "In the beginning, God created the heavens and the earth."},
	{"spanish verse", "Y dijo Dios: Sea la luz: y fué la luz."},
	{"inverted marks and curly quotes", "¿Quién eres tú? ¡Mira! “Let there be light,” God’s «luz»"},
	{"NFD accents", "Jose\u0301 cri\u0301o\u0301 la tierra; n\u0303andu\u0301"},
	{"stacked combining marks", "a\u0301\u0302\u0323\u0304 q\u0307\u0323"},
	{"hangul jamo", "\u1100\u1161\u11a8 \uac01"},
	{"emoji zwj and skin tones", "family 👨‍👩‍👧‍👦 thumbs 👍🏽 flag 🇪🇸 heart ❤️"},
	{"hebrew", "בְּרֵאשִׁית בָּרָא אֱלֹהִים"},
	{"arabic", "في البدء خلق الله السماوات والأرض"},
	{"rtl mixed with numbers", "שלום 123 עולם (abc)"},
	{"cjk", "起初神创造天地。地是空虚混沌，渊面黑暗。"},
	{"japanese", "はじめに神は天と地とを創造された。"},
	{"control characters and NUL", "a\x00b\x01c\x7f\u0085d\u200b\ufeffe"},
	{"nbsp and ideographic space", "a\u00a0b\u3000c\u2009d"},
	{"contractions", "don't we'll I'm it's you're they've he'd 'twas"},
	{"digits and symbols", "Gen 1:1–3 costs $5,000.50 (50%) & more → ∞"},
	{"typed special tokens", "<pad> </s> <unk> <s>"},
	{"replacement character", "a\ufffdb"},
	{"private use and noncharacters", "\ue000\U0010fffd\ufdd0"},
	{"long word", strings.Repeat("abcdefghij", 1000)},
	{"long cjk run", strings.Repeat("天地", 700)},
	{"long combining run", "a" + strings.Repeat("\u0301", 200)},
}

func TestEncodeHardText(t *testing.T) {
	h, _ := sampleTokenizer(t)
	for _, tc := range hardTexts {
		t.Run(tc.name, func(t *testing.T) {
			toks, err := h.Encode(tc.text)
			if err != nil {
				t.Fatal(err)
			}
			checkTokens(t, h, tc.text, toks)
		})
	}
}

// checkTokens checks what Encode promises: ids and pieces agree, no special
// token, spans on character boundaries, in order, covering the text without
// gaps, each token's bytes matching its span for NFC text, and the round
// trip to NFC.
func checkTokens(t testing.TB, h *HF, text string, toks []Token) {
	t.Helper()
	if text == "" {
		if len(toks) != 0 {
			t.Fatalf("empty text gives %d tokens", len(toks))
		}
		return
	}
	if len(toks) == 0 {
		t.Fatalf("no tokens for %q", text)
	}
	isNFC := norm.NFC.IsNormalString(text)
	prevStart, prevEnd := 0, 0
	ids := make([]int, len(toks))
	for i, tk := range toks {
		ids[i] = tk.ID
		if tk.Piece != h.Piece(tk.ID) || tk.Piece == "" || h.IsSpecial(tk.ID) {
			t.Fatalf("token %d %+v: bad id or piece", i, tk)
		}
		if tk.Start < 0 || tk.End > len(text) || tk.Start > tk.End {
			t.Fatalf("token %d %+v: span out of range for %d bytes", i, tk, len(text))
		}
		if tk.Start < prevStart || tk.End < prevEnd || tk.Start > prevEnd {
			t.Fatalf("token %d %+v after [%d,%d): out of order or leaves a gap", i, tk, prevStart, prevEnd)
		}
		if !boundary(text, tk.Start) || !boundary(text, tk.End) {
			t.Fatalf("token %d %+v: span cuts a character", i, tk)
		}
		if tk.Start == tk.End && !(i == 0 && tk.Piece == spaceMarker) {
			t.Fatalf("token %d %+v: zero width but not the added space", i, tk)
		}
		if b := fromByteLevel(nil, tk.Piece); isNFC && utf8.Valid(b) && i > 0 && text[tk.Start:tk.End] != string(b) {
			t.Fatalf("token %d %+v: span holds %q, piece stands for %q", i, tk, text[tk.Start:tk.End], b)
		}
		prevStart, prevEnd = tk.Start, tk.End
	}
	if toks[0].Start != 0 || prevEnd != len(text) {
		t.Fatalf("tokens cover [%d,%d) of %d bytes", toks[0].Start, prevEnd, len(text))
	}
	if got, want := h.Decode(ids), norm.NFC.String(text); got != want {
		t.Fatalf("decode(encode(x)) = %q, want NFC(x) = %q", got, want)
	}
}

func boundary(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

func TestEncodeSpansExact(t *testing.T) {
	h, _ := sampleTokenizer(t)
	tests := []struct {
		text  string
		spans []string // text[Start:End] of each token
	}{
		{"the earth", []string{"the", " earth"}}, // a word's span holds its space
		{"  the", []string{"", " ", " the"}},     // the added space alone: zero width
		{"Jose\u0301", []string{"Jose\u0301"}},   // whole NFD segment
		{"\u00e9\u00e9", []string{"\u00e9\u00e9"}},
	}
	for _, tc := range tests {
		toks, err := h.Encode(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tc.text[tk.Start:tk.End])
		}
		// Merge adjacent equal spans (several tokens inside one character).
		if !reflect.DeepEqual(joinSpans(tc.text, toks), tc.spans) {
			t.Errorf("%q: spans %q, want %q", tc.text, got, tc.spans)
		}
	}
}

// joinSpans lists the distinct word spans: tokens are grouped while each
// starts where the previous ended or inside it, and groups split at a token
// whose piece starts with the space marker.
func joinSpans(text string, toks []Token) []string {
	var out []string
	start, end := -1, -1
	for i, tk := range toks {
		if i == 0 || strings.HasPrefix(tk.Piece, spaceMarker) {
			if i > 0 {
				out = append(out, text[start:end])
			}
			start = tk.Start
		}
		end = tk.End
	}
	if start >= 0 {
		out = append(out, text[start:end])
	}
	return out
}

func TestEncodeMatchesReference(t *testing.T) {
	h, b := sampleTokenizer(t)
	texts := sampleLines(t)
	for _, tc := range hardTexts {
		texts = append(texts, tc.text)
	}
	for _, text := range texts {
		toks, err := h.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.Piece)
		}
		want := refEncode(b, text)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%.40q:\n got %q\nwant %q", text, got, want)
		}
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	h, _ := sampleTokenizer(t)
	for _, text := range []string{"ab\x80cd", "\xff", "ok \xe2\x82", "\xed\xa0\x80 surrogate"} {
		toks, err := h.Encode(text)
		if !errors.Is(err, ErrInvalidUTF8) || toks != nil {
			t.Errorf("Encode(%q) = %v, %v; want ErrInvalidUTF8", text, toks, err)
		}
	}
	_, err := h.Encode("ab\x80cd")
	if err == nil || !strings.Contains(err.Error(), "offset 2") {
		t.Errorf("error %v does not give the offset 2", err)
	}
}

func TestSpecialTokensInText(t *testing.T) {
	// sugarme drops "<pad>" and "</s>" typed in the text; here they are
	// text like any other and come back from Decode.
	h, _ := sampleTokenizer(t)
	text := "<pad>a</s> <unk>"
	toks, err := h.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	checkTokens(t, h, text, toks)
	for _, s := range SpecialTokens {
		id, ok := h.ID(s)
		if !ok || !h.IsSpecial(id) {
			t.Errorf("ID(%q) = %d, %v; want a special id", s, id, ok)
		}
	}
	if got := h.Decode([]int{PadID, EOSID, UnkID}); got != "" {
		t.Errorf("Decode(specials) = %q, want \"\"", got)
	}
	ids := []int{EOSID}
	for _, tk := range toks {
		ids = append(ids, tk.ID)
	}
	if got := h.Decode(append(ids, EOSID, PadID)); got != text {
		t.Errorf("Decode with specials around = %q, want %q", got, text)
	}
}

func TestMergeTiesLeftmost(t *testing.T) {
	// Merges: (a,a), then (Ġ,aa). In " aaaaa" the (a,a) pairs tie; the
	// leftmost merges first: Ġaa aa a. The sugarme model gives aa a aa
	// for "aaaaa" (heap order).
	b, err := TrainBPE([]string{"aa", "aa", "aa"}, BPEOptions{MinFrequency: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][2]string{{"a", "a"}, {"Ġ", "aa"}}; !reflect.DeepEqual(b.Merges, want) {
		t.Fatalf("merges %q, want %q", b.Merges, want)
	}
	h, err := b.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]string{
		"aaaaa": {"Ġaa", "aa", "a"},
		"aaa":   {"Ġaa", "a"},
		"a aa":  {"Ġ", "a", "Ġaa"},
	} {
		toks, err := h.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.Piece)
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, refEncode(b, text)) {
			t.Errorf("%q → %q, want %q", text, got, want)
		}
	}
}

func TestLastTokenEndsAtTextEnd(t *testing.T) {
	// sugarme's EncodeCharOffsets gives the last token an end one short.
	h, _ := sampleTokenizer(t)
	for _, text := range []string{"luz", "luz.", "crió", "tierra 天", "x 👍🏽", "end  "} {
		toks, err := h.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		if last := toks[len(toks)-1]; last.End != len(text) {
			t.Errorf("%q: last token %+v ends at %d, want %d", text, last, last.End, len(text))
		}
	}
}

func TestLongWordIsCut(t *testing.T) {
	// sugarme merges a word in time quadratic in its length (seconds for
	// 10k characters); words are cut at MaxWordBytes. BenchmarkEncodeLongWord
	// measures the speed.
	h, _ := sampleTokenizer(t)
	text := strings.Repeat("a", 10000) + " " + strings.Repeat("ñ", 5000)
	toks, err := h.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	checkTokens(t, h, text, toks)
	for _, tk := range toks {
		if tk.End-tk.Start > MaxWordBytes {
			t.Fatalf("token %+v spans more than %d bytes", tk, MaxWordBytes)
		}
	}
	for _, s := range preTokenize(" "+text, nil) {
		if s.end-s.start > MaxWordBytes {
			t.Fatalf("word [%d,%d) longer than %d bytes", s.start, s.end, MaxWordBytes)
		}
	}
}

func TestConcurrentEncodeDecode(t *testing.T) {
	// sugarme's DecodeBatch races and reorders; Encode and Decode here are
	// safe to call from many goroutines (run with -race).
	h, _ := sampleTokenizer(t)
	lines := sampleLines(t)
	want := make([]string, len(lines))
	for i, l := range lines {
		toks, err := h.Encode(l)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = tokenString(toks)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range lines {
				i := (k*7 + g*31) % len(lines)
				toks, err := h.Encode(lines[i])
				if err != nil || tokenString(toks) != want[i] {
					errs <- "encode differs for line " + lines[i]
					return
				}
				ids := make([]int, len(toks))
				for j, tk := range toks {
					ids[j] = tk.ID
				}
				if h.Decode(ids) != lines[i] {
					errs <- "decode differs for line " + lines[i]
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func tokenString(toks []Token) string {
	var sb strings.Builder
	for _, tk := range toks {
		sb.WriteString(tk.Piece)
		sb.WriteByte('|')
	}
	return sb.String()
}

func TestTokensPerWordSample(t *testing.T) {
	h, _ := sampleTokenizer(t)
	var nTok, nWord int
	for _, l := range sampleLines(t) {
		toks, err := h.Encode(l)
		if err != nil {
			t.Fatal(err)
		}
		nTok += len(toks)
		nWord += len(strings.Fields(l))
	}
	// Same number as TestTrainBPESample, through the loaded file.
	t.Logf("%.3f tokens/word", float64(nTok)/float64(nWord))
	if r := float64(nTok) / float64(nWord); r > 1.9 {
		t.Errorf("%.3f tokens/word, want ≤ 1.9", r)
	}
}

func TestWriteJSONLoads(t *testing.T) {
	// sugarme's Tokenizer.Save writes nothing; WriteJSON writes a file that
	// Load reads back to the same vocabulary.
	_, b := sampleTokenizer(t)
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := b.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	h, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.VocabSize() != len(b.Vocab) || !h.AddPrefixSpace() {
		t.Fatalf("VocabSize %d (want %d), AddPrefixSpace %v", h.VocabSize(), len(b.Vocab), h.AddPrefixSpace())
	}
	for id, p := range b.Vocab {
		if h.Piece(id) != p {
			t.Fatalf("Piece(%d) = %q, want %q", id, h.Piece(id), p)
		}
		if got, ok := h.ID(p); !ok || got != id {
			t.Fatalf("ID(%q) = %d, %v; want %d", p, got, ok, id)
		}
	}
	if h.Piece(-1) != "" || h.Piece(len(b.Vocab)) != "" {
		t.Error("Piece out of range is not empty")
	}
}

func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "bible-sample-bpe.json"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(good)
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not json", "tokenizer", "not a valid tokenizer.json"},
		{"truncated", src[:len(src)/2], "not a valid tokenizer.json"},
		{"empty object", "{}", "pre_tokenizer must be ByteLevel"},
		{"wrong type of id", strings.Replace(src, `"id": 0`, `"id": "zero"`, 1), "not a valid tokenizer.json"},
		{"number as type", strings.Replace(src, `"type": "NFC"`, `"type": 7`, 1), "not a valid tokenizer.json"},
		{"unknown normalizer", strings.Replace(src, `"type": "NFC"`, `"type": "NFKD"`, 1), `normalizer "NFKD"`},
		{"wordpiece model", strings.Replace(src, `"type": "BPE"`, `"type": "WordPiece"`, 1), `model "WordPiece"`},
		{"dropout", strings.Replace(src, `"dropout": null`, `"dropout": 0.1`, 1), "dropout"},
		{"negative id", strings.Replace(src, `"Ġt": 259`, `"Ġt": -5`, 1), "out of range"},
		{"huge id", strings.Replace(src, `"Ġt": 259`, `"Ġt": 4000000000`, 1), "out of range"},
		{"duplicate id", strings.Replace(src, `"Ġt": 259`, `"Ġt": 258`, 1), "given to both"},
		{"missing byte", strings.Replace(src, `"Ġ": 35`, `"Ġx": 35`, 1), "lacks the symbol"},
		{"merge not in vocab", strings.Replace(src, `"Ġ t"`, `"Ġ zz"`, 1), `"zz" is not in the vocab`},
		{"merge without space", strings.Replace(src, `"Ġ t"`, `"Ġt"`, 1), "two pieces"},
		{"merge as number", strings.Replace(src, `"Ġ t"`, `12`, 1), "neither"},
		{"added token clash", strings.Replace(src, `"content": "<pad>"`, `"content": "Ġt"`, 1), "added token"},
		{"merges not a list", strings.Replace(src, `"merges": [`, `"merges": {"a":[`, 1), "not a valid tokenizer.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == src {
				t.Fatal("the mutation did not apply")
			}
			_, err := Parse([]byte(tc.data), "x/tokenizer.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "x/tokenizer.json") {
				t.Fatalf("err = %v, want one naming the file and saying %q", err, tc.want)
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "nope", "tokenizer.json")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v", err)
	}
}
