package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/translated/translated/nmt/align"
)

// withHeads copies a tiny test model into a directory named en-es whose
// config.json names measured alignment heads.
func withHeads(t *testing.T, heads string) string {
	t.Helper()
	src := "../../../testdata/models/tiny-swish-shared"
	dir := filepath.Join(t.TempDir(), "en-es")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"model.safetensors", "tokenizer.json", "config.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "config.json" {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			m["alignment_heads"] = heads
			if b, err = json.Marshal(m); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestModelAlignmentHeads(t *testing.T) {
	cases := []struct {
		heads string
		force bool
		want  string
	}{
		{"layer=1,head=2", false, "layer=1,head=2"},
		{"layer=1,head=2", true, "avg"},                         // -alignment-heads given: it wins
		{"layer=1,head=2,shift", false, "layer=1,head=2,shift"}, // streamed one step late
		{"layer=9", false, "avg"},                               // does not fit the model
	}
	for _, c := range cases {
		var heads *align.Selector
		if c.force {
			heads = avgHeads()
		}
		m, err := openModel(withHeads(t, c.heads), LoadOptions{Heads: heads})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.selector.String(); got != c.want {
			t.Errorf("alignment_heads %q, force %v: selector %q, want %q", c.heads, c.force, got, c.want)
		}
	}
}
