package train

import "fmt"

// InitFrom starts a fresh run from the weights of an existing model
// directory (fine-tuning, for example a guided-alignment run made from an
// unguided model): dir must hold model.safetensors of this trainer's
// shape, such as last/ or best/ of a run. Everything else starts afresh,
// as with Init: the Adam moments at zero, the step, epoch and learning-rate
// schedule (warm-up included) at 0, the data order from the seed. The
// source directory is recorded in the state as InitFrom.
func (t *Trainer) InitFrom(dir string) error {
	t.Init()
	if err := ReadWeights(dir, t.Params); err != nil {
		return fmt.Errorf("train: initializing from %s: %w", dir, err)
	}
	t.State.InitFrom = dir
	return nil
}
