package spm

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The golden files come from the reference implementation (Debian
// sentencepiece 0.1.97): scripts/spm/make_testdata.sh trains the models and
// runs spm_encode (pieces and ids) and spm_decode (of the ids) over
// testdata/hard.txt and testdata/random.txt. They are the reference's
// output, not ours, so there is no -update flag: re-run the script.
var (
	goldenModels = []string{"nfkc", "bytes", "identity", "nfkccf", "symbols"}
	goldenInputs = []string{"hard", "random"}
)

// readLines splits a file into lines as the reference tools read them:
// on "\n" only.
func readLines(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func loadTestModel(t testing.TB, name string) *Model {
	t.Helper()
	m, err := Load(filepath.Join("testdata", name+".model"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func parseIDs(t testing.TB, line string) []int {
	t.Helper()
	var ids []int
	for _, f := range strings.Fields(line) {
		id, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// goldenCases runs f for every model and input file, with the path prefix
// of the golden files.
func goldenCases(t *testing.T, f func(t *testing.T, m *Model, input, golden string)) {
	for _, in := range goldenInputs {
		for _, name := range goldenModels {
			t.Run(in+"/"+name, func(t *testing.T) {
				f(t, loadTestModel(t, name), in, filepath.Join("testdata", in+"."+name))
			})
		}
	}
}

func TestGoldenEncode(t *testing.T) {
	goldenCases(t, func(t *testing.T, m *Model, in, golden string) {
		input := readLines(t, filepath.Join("testdata", in+".txt"))
		wantPieces := readLines(t, golden+".piece")
		wantIDs := readLines(t, golden+".id")
		if len(wantPieces) != len(input) || len(wantIDs) != len(input) {
			t.Fatalf("golden files have %d and %d lines for %d input lines", len(wantPieces), len(wantIDs), len(input))
		}
		same := 0
		for i, line := range input {
			toks, err := m.Encode(line)
			if err != nil {
				t.Errorf("line %d %q: %v", i+1, line, err)
				continue
			}
			pieces := make([]string, len(toks))
			ids := make([]string, len(toks))
			for j, tk := range toks {
				pieces[j] = tk.Piece
				ids[j] = strconv.Itoa(tk.ID)
			}
			gotP, gotI := strings.Join(pieces, " "), strings.Join(ids, " ")
			if gotP != wantPieces[i] || gotI != wantIDs[i] {
				t.Errorf("line %d %q:\n got pieces %s\nwant pieces %s\n got ids %s\nwant ids %s", i+1, line, gotP, wantPieces[i], gotI, wantIDs[i])
				continue
			}
			same++
		}
		t.Logf("%s: %d/%d lines identical to spm_encode", golden, same, len(input))
	})
}

func TestGoldenDecode(t *testing.T) {
	goldenCases(t, func(t *testing.T, m *Model, in, golden string) {
		ids := readLines(t, golden+".id")
		want := readLines(t, golden+".decoded")
		if len(ids) != len(want) {
			t.Fatalf("%d id lines, %d decoded lines", len(ids), len(want))
		}
		same := 0
		for i := range ids {
			if got := m.Decode(parseIDs(t, ids[i])); got != want[i] {
				t.Errorf("line %d: got %q, want %q", i+1, got, want[i])
				continue
			}
			same++
		}
		t.Logf("%s: %d/%d lines identical to spm_decode", golden, same, len(ids))
	})
}
