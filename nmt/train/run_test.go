package train

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/tokenize"
)

// tinyRunConfig trains a very small model on the 36 Genesis verses of
// testdata/bible-tiny.tsv, scoring its 4 Colossians verses as dev.
func tinyRunConfig(run string, maxSteps int) Config {
	c := DefaultConfig()
	c.Train, c.Run, c.Command = filepath.Join("testdata", "bible-tiny.tsv"), run, "train (a test)"
	c.DevBooks, c.Vocab = []string{"Col"}, 300
	c.DModel, c.Heads, c.EncoderLayers, c.DecoderLayers, c.FFN = 16, 2, 1, 1, 32
	c.Options.MaxTokens, c.Options.Buckets, c.Options.Warmup, c.Options.MaxSteps = 256, []int{32, 64, 128}, 2, maxSteps
	return c
}

func stateOf(t *testing.T, dir string) State {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRun trains 3 steps from nothing and resumes to 5: the run directory
// holds checkpoints the engine loads, train.log records each start and
// stop, and a second fresh start in the same directory is refused.
func TestRun(t *testing.T) {
	ctx := context.Background()
	run := filepath.Join(t.TempDir(), "en→es")
	var out bytes.Buffer
	if err := Run(ctx, tinyRunConfig(run, 3), &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	for _, want := range []string{"training a 300-piece BPE vocabulary on 36 pairs", "encoding 36 training and 4 dev pairs", "from step 0; log in " + filepath.Join(run, LogFile)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	last := filepath.Join(run, "last")
	if st := stateOf(t, last); st.Step != 3 || st.BestMetric != "bleu" {
		t.Fatalf("state after the first start: %+v", st)
	}
	for _, dir := range []string{last, filepath.Join(run, "best")} {
		if _, err := model.Load(dir); err != nil {
			t.Fatalf("the engine cannot load %s: %v", dir, err)
		}
	}
	if err := Run(ctx, tinyRunConfig(run, 3), &out); err == nil || !strings.Contains(err.Error(), "pass --resume") {
		t.Fatalf("a second fresh start: %v", err)
	}
	resume := tinyRunConfig(run, 5)
	resume.Resume, resume.Vocab, resume.DModel = true, 999, 64 // the checkpoint's shape and vocabulary hold
	out.Reset()
	if err := Run(ctx, resume, &out); err != nil {
		t.Fatalf("resume: %v\n%s", err, &out)
	}
	if st := stateOf(t, last); st.Step != 5 {
		t.Fatalf("step %d after resuming, want 5", st.Step)
	}
	if strings.Contains(out.String(), "BPE vocabulary") || !strings.Contains(out.String(), "from step 3") {
		t.Errorf("resumed output:\n%s", &out)
	}
	log, err := os.ReadFile(filepath.Join(run, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" start: train (a test)\n", " pairs: 36 train (0 longer than the last bucket, skipped), 4 dev; ", "; step 3 epoch ", " stop at step 3 epoch ", " stop at step 5 epoch ", "BLEU"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("train.log lacks %q:\n%s", want, log)
		}
	}
}

// TestRunRefuses: a Config that does not validate, a run directory another
// trainer holds and a resume without a checkpoint fail before training,
// and leave no checkpoint behind.
func TestRunRefuses(t *testing.T) {
	ctx := context.Background()
	bad := tinyRunConfig(t.TempDir(), 1)
	bad.BPEDropout = 1
	if err := Run(ctx, bad, &bytes.Buffer{}); err == nil || err.Error() != bad.Validate().Error() {
		t.Errorf("an invalid Config: %v", err)
	}
	locked := t.TempDir()
	release, err := LockRun(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := Run(ctx, tinyRunConfig(locked, 1), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "is in use") {
		t.Errorf("a locked run directory: %v", err)
	}
	noCheckpoint := tinyRunConfig(t.TempDir(), 1)
	noCheckpoint.Resume = true
	if err := Run(ctx, noCheckpoint, &bytes.Buffer{}); err == nil || !strings.HasPrefix(err.Error(), "resuming: ") {
		t.Errorf("resuming nothing: %v", err)
	}
	for _, dir := range []string{bad.Run, locked, noCheckpoint.Run} {
		if _, err := os.Stat(filepath.Join(dir, "last")); !os.IsNotExist(err) {
			t.Errorf("%s: a refused run wrote a checkpoint (%v)", dir, err)
		}
	}
}

// TestDropoutPairs: every segmented copy decodes back to its text, the
// copies differ from the plain encoding and from each other, and the seed
// fixes them.
func TestDropoutPairs(t *testing.T) {
	ex, err := ReadTSV(filepath.Join("testdata", "bible-tiny.tsv"), TSVColumns{Book: 2, Source: 3, Target: 4}, []string{"Gen"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenize.Load(filepath.Join("..", "..", "checkpoints", "en-es-bible", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := dropoutPairs(ex, tok, 0.1, 2, 7, tokenize.EOSID)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := dropoutPairs(ex, tok, 0.1, 2, 7, tokenize.EOSID)
	if len(pairs) != 2*len(ex) || !reflect.DeepEqual(pairs, again) {
		t.Fatalf("%d pairs for %d examples, or a second call differs", len(pairs), len(ex))
	}
	plain, longer := 0, 0
	for i, p := range pairs {
		e := ex[i%len(ex)]
		for _, side := range []struct {
			ids  []int32
			text string
		}{{p.Src, e.Source}, {p.Tgt, e.Target}} {
			ids := make([]int, len(side.ids)-1) // without eos
			for k := range ids {
				ids[k] = int(side.ids[k])
			}
			if got := tok.Decode(ids); got != side.text {
				t.Fatalf("pair %d decodes to %q, want %q", i, got, side.text)
			}
			toks, _ := tok.Encode(side.text)
			if len(ids) > len(toks) {
				longer++
			} else {
				plain++
			}
		}
		if i < len(ex) && reflect.DeepEqual(p, pairs[i+len(ex)]) {
			t.Errorf("pair %d: both copies are the same", i)
		}
	}
	if longer < plain {
		t.Errorf("%d sides segmented finer than Encode, %d as Encode", longer, plain)
	}
}
