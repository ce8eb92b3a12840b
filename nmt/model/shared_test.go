package model

import (
	"math"
	"testing"
)

// TestEmbeddingsDigest: the digest follows every value of the matrix but
// not the sign of a zero, which checkpoint averaging may flip.
func TestEmbeddingsDigest(t *testing.T) {
	m := randomModel(t, tinyConfig(), 3)
	w := m.Weights()
	emb := w[SharedEmbedding]
	emb[0], emb[1] = 0, float32(math.Copysign(0, -1))
	a, err := New(&m.cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	emb[0], emb[1] = float32(math.Copysign(0, -1)), 0
	b, err := New(&m.cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	if a.EmbeddingsDigest() != b.EmbeddingsDigest() {
		t.Error("zeros of opposite signs give different digests")
	}
	emb[len(emb)-1] = math.Nextafter32(emb[len(emb)-1], 1)
	c, err := New(&m.cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	if c.EmbeddingsDigest() == b.EmbeddingsDigest() {
		t.Error("a value one ulp away gives the same digest")
	}
}
