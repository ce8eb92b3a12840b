package train

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// SnapshotDir is the folder of a run directory that holds the kept
// checkpoints, one steps/STEP/ directory each (weights, config, tokenizer
// and trainer.json, no optimizer moments): the inputs of Average.
const SnapshotDir = "steps"

// keepSnapshot writes the current weights to steps/STEP/ and removes the
// oldest snapshots beyond Options.Keep. It does nothing when Keep is 0.
func (t *Trainer) keepSnapshot() error {
	if t.Options.Keep <= 0 {
		return nil
	}
	root := filepath.Join(t.Dir, SnapshotDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	dir := filepath.Join(root, strconv.Itoa(t.State.Step))
	if err := writeCheckpoint(dir, t.Config, t.Params, nil, &t.State, t.Tokenizer); err != nil {
		return fmt.Errorf("train: keeping the checkpoint of step %d: %w", t.State.Step, err)
	}
	steps, err := Snapshots(t.Dir)
	if err != nil {
		return err
	}
	for len(steps) > t.Options.Keep {
		if err := os.RemoveAll(filepath.Join(root, strconv.Itoa(steps[0]))); err != nil {
			return err
		}
		steps = steps[1:]
	}
	return nil
}

// Snapshots lists the steps of the kept checkpoints of run directory dir,
// oldest first; directories whose names are not step numbers, or that do
// not hold a complete checkpoint, are ignored.
func Snapshots(dir string) ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(dir, SnapshotDir))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var steps []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() || n < 0 {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, SnapshotDir, e.Name(), StateFile)); err != nil {
			continue
		}
		steps = append(steps, n)
	}
	slices.Sort(steps)
	return steps, nil
}
