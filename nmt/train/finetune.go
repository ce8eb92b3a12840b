package train

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/translated/translated/nmt/model"
)

// InitFrom starts a fresh run from the weights of an existing model
// directory (fine-tuning, for example a guided-alignment run made from an
// unguided model): dir must hold model.safetensors of this trainer's
// shape, such as last/ or best/ of a run. Everything else starts afresh,
// as with Init: the Adam moments at zero, the step, epoch and learning-rate
// schedule (warm-up included) at 0, the data order from the seed. The
// source directory is recorded in the state as InitFrom.
//
// The trainer may have more encoder or decoder layers than the model in
// dir, all else equal: each of its layers then starts from the source
// layer at the same relative depth, so every source layer is repeated in
// place (3 layers grown to 6 give 0 0 1 1 2 2), which keeps each layer
// next to the ones it was trained with.
func (t *Trainer) InitFrom(dir string) error {
	t.Init()
	src, err := model.ReadConfig(dir)
	if err != nil {
		return fmt.Errorf("train: initializing from %s: %w", dir, err)
	}
	rename, err := layerMap(src, t.Config)
	if err != nil {
		return fmt.Errorf("train: initializing from %s: %w", dir, err)
	}
	if err := readWeights(dir, t.Params, rename); err != nil {
		return fmt.Errorf("train: initializing from %s: %w", dir, err)
	}
	t.State.InitFrom = dir
	return nil
}

// layerName matches the layer index in a parameter name.
var layerName = regexp.MustCompile(`^model\.(encoder|decoder)\.layers\.([0-9]+)\.`)

// layerMap returns the function giving, for a parameter of shape to, the
// name of the parameter of shape from that initializes it: the same name,
// except that layer i of a stack of n (from m) reads layer ⌊i·m/n⌋. Every
// other dimension must agree, and no stack may shrink.
func layerMap(from, to *model.Config) (func(string) string, error) {
	if shapeOf(from) != shapeOf(to) {
		return nil, fmt.Errorf("the model shapes differ in more than their layer counts")
	}
	if from.EncoderLayers > to.EncoderLayers || from.DecoderLayers > to.DecoderLayers {
		return nil, fmt.Errorf("%d+%d layers cannot start from a model of %d+%d", to.EncoderLayers, to.DecoderLayers, from.EncoderLayers, from.DecoderLayers)
	}
	counts := map[string][2]int{
		"encoder": {from.EncoderLayers, to.EncoderLayers},
		"decoder": {from.DecoderLayers, to.DecoderLayers},
	}
	return func(name string) string {
		m := layerName.FindStringSubmatchIndex(name)
		if m == nil {
			return name
		}
		stack := name[m[2]:m[3]]
		i, _ := strconv.Atoi(name[m[4]:m[5]])
		c := counts[stack]
		return name[:m[4]] + strconv.Itoa(i*c[0]/c[1]) + name[m[5]:]
	}, nil
}

// shape is what must agree between a model and one initialized from it,
// besides the layer counts.
type shape struct {
	vocab, decVocab, d, encHeads, decHeads, encFFN, decFFN, positions int
	activation                                                        string
	scaled, shared, tied                                              bool
}

func shapeOf(c *model.Config) shape {
	return shape{c.VocabSize, c.DecoderVocabSize, c.DModel, c.EncoderAttentionHeads, c.DecoderAttentionHeads,
		c.EncoderFFNDim, c.DecoderFFNDim, c.MaxPositionEmbeddings, c.ActivationFunction,
		c.ScaleEmbedding, c.SharedEmbeddings(), c.TiedOutput()}
}
