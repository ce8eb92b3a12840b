package model_test

import (
	"context"
	"fmt"
	"log"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// Translating token ids: load a checkpoint, encode a batch of sources, and
// let package search drive a decoder over it.
func Example() {
	m, err := model.Load("../../testdata/models/tiny-swish-shared")
	if err != nil {
		log.Fatal(err)
	}
	c := m.Config()
	srcs := [][]int{{35, 74, 114, 114, 103, c.EOSTokenID}, {290, 263, c.EOSTokenID}}
	ctx := context.Background()
	enc, err := m.Encode(ctx, srcs)
	if err != nil {
		log.Fatal(err)
	}
	dec, err := m.NewDecoder(enc)
	if err != nil {
		log.Fatal(err)
	}
	opts := search.Options{BeamSize: 4, MaxLength: 20, EOS: c.EOSTokenID, Pad: c.PadTokenID, Start: c.DecoderStartTokenID}
	hyps, err := search.Decode(ctx, dec, []int{len(srcs[0]), len(srcs[1])}, opts, nil)
	if err != nil {
		log.Fatal(err)
	}
	for i, h := range hyps {
		best := h[0]
		fmt.Println(i, best.Tokens, len(best.Attn[0]), "layers of cross-attention per token")
	}
}
