package tokenize

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestEncodeGolden pins the segmentation of the hard texts with the sample
// vocabulary: one line per token, "id piece start end", in
// testdata/hard.segmentation (go test -update rewrites it).
func TestEncodeGolden(t *testing.T) {
	h, _ := sampleTokenizer(t)
	var got bytes.Buffer
	for _, tc := range hardTexts {
		if len(tc.text) > 200 {
			continue // the long texts are checked structurally
		}
		fmt.Fprintf(&got, "# %s %q\n", tc.name, tc.text)
		toks, err := h.Encode(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range toks {
			fmt.Fprintf(&got, "%d %q %d %d\n", tk.ID, tk.Piece, tk.Start, tk.End)
		}
	}
	path := filepath.Join("testdata", "hard.segmentation")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("segmentation differs from %s (go test -update if intended)", path)
	}
}
