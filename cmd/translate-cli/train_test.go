package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/train"
)

const tinyCorpus = "../../nmt/train/testdata/bible-tiny.tsv"

// tinyTrainArgs trains a very small model on the 36 Genesis verses of the
// tiny corpus, scoring its 4 Colossians verses as dev.
func tinyTrainArgs(run string, extra ...string) []string {
	args := []string{"train", "--train", tinyCorpus, "--run", run, "--dev-books", "Col", "--vocab", "300",
		"--d-model", "16", "--heads", "2", "--encoder-layers", "1", "--decoder-layers", "1", "--ffn", "32",
		"--max-tokens", "256", "--buckets", "32,64,128", "--warmup", "2"}
	return append(args, extra...)
}

// exitCase is a command line that must fail: its exit code and a piece of
// its error message.
type exitCase struct {
	name string
	args []string
	code int
	msg  string
}

func checkExits(t *testing.T, cases []exitCase) {
	t.Helper()
	for _, c := range cases {
		_, stderr, code := cli(t, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d mentioning %q", c.name, code, stderr, c.code, c.msg)
		}
	}
}

func readState(t *testing.T, dir string) train.State {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, train.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	var st train.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestTrainHelpGolden(t *testing.T) {
	_, stderr, code := cli(t, "", "train", "-h")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	golden(t, "train_help.txt", stderr)
}

// TestTrainAndResume trains 3 steps, then resumes the same command to 5:
// the run directory holds an engine-format checkpoint, the best one, the
// log, and the step count carries over.
func TestTrainAndResume(t *testing.T) {
	run := t.TempDir()
	if _, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "3")...); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	last := filepath.Join(run, "last")
	if st := readState(t, last); st.Step != 3 {
		t.Fatalf("step %d after the first run, want 3", st.Step)
	}
	for _, dir := range []string{last, filepath.Join(run, "best")} {
		if _, err := model.Load(dir); err != nil {
			t.Fatalf("the engine cannot load %s: %v", dir, err)
		}
		if _, err := os.Stat(filepath.Join(dir, train.TokenizerFile)); err != nil {
			t.Fatal(err)
		}
	}
	if _, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "3")...); code != exitFailure || !strings.Contains(stderr, "--resume") {
		t.Fatalf("a second fresh start in the same run: exit %d, %q", code, stderr)
	}
	if _, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "5", "--resume")...); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if st := readState(t, last); st.Step != 5 {
		t.Fatalf("step %d after resuming, want 5", st.Step)
	}
	log, err := os.ReadFile(filepath.Join(run, "train.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"step 3 epoch", "BLEU", "chrF", "start: translate-cli train", "--resume"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("train.log lacks %q:\n%s", want, log)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	run := t.TempDir()
	checkExits(t, []exitCase{
		{"no corpus", []string{"train", "--run", run}, exitUsage, "--train and --run are required"},
		{"no run dir", []string{"train", "--train", tinyCorpus}, exitUsage, "--train and --run are required"},
		{"bad bucket", tinyTrainArgs(run, "--buckets", "16,x"), exitUsage, "bad bucket length"},
		{"descending buckets", tinyTrainArgs(run, "--buckets", "64,32"), exitUsage, "ascending"},
		{"bad dropout", tinyTrainArgs(run, "--dropout", "1.5"), exitUsage, "dropout"},
		{"missing corpus", []string{"train", "--train", "no-such.tsv", "--run", run}, exitFailure, "no-such.tsv"},
		{"resume without checkpoint", tinyTrainArgs(t.TempDir(), "--resume"), exitFailure, "resuming"},
		{"stray argument", append(tinyTrainArgs(run), "extra"), exitUsage, "no arguments"},
		{"BPE-dropout of 1", tinyTrainArgs(run, "--bpe-dropout", "1"), exitUsage, "--bpe-dropout must be in [0, 1)"},
		{"no encoder layers", tinyTrainArgs(run, "--encoder-layers", "0"), exitUsage, "--encoder-layers and --decoder-layers must be at least 1"},
		{"no BPE copies", tinyTrainArgs(run, "--bpe-dropout", "0.1", "--bpe-copies", "0"), exitUsage, "--bpe-copies at least 1"},
	})
}

// TestTrainGuidedResumeAndInit: a guided run computes and caches its links,
// records the supervised head and logs the alignment cross-entropy; its
// resume reads the cached links; --init makes a new guided run from a
// checkpoint with a fresh optimizer.
func TestTrainGuidedResumeAndInit(t *testing.T) {
	run := t.TempDir()
	guided := []string{"--guided-weight", "0.5", "--guided-layer", "0", "--guided-head", "1",
		"--guided-links", "../../nmt/train/testdata/links-tiny.jsonl", "--guided-ibm1", "grow-diag", "--log-every", "1"}
	_, stderr, code := cli(t, "", tinyTrainArgs(run, append(guided, "--max-steps", "3")...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "guided links computed and cached") || !strings.Contains(stderr, "layer=0,head=1") {
		t.Errorf("stderr lacks the links and the head:\n%s", stderr)
	}
	for _, f := range []string{train.GuideLinksFile, train.GuideRecipeFile} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Fatal(err)
		}
	}
	last := filepath.Join(run, "last")
	if st := readState(t, last); st.Guided == nil || st.Guided.Layer != 0 || st.Guided.Head != 1 || st.Guided.Weight != 0.5 {
		t.Fatalf("trainer.json guide %+v", st.Guided)
	}
	_, stderr, code = cli(t, "", tinyTrainArgs(run, append(guided, "--max-steps", "5", "--resume")...)...)
	if code != exitOK || !strings.Contains(stderr, "guided links read from") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if st := readState(t, last); st.Step != 5 {
		t.Fatalf("step %d after resuming, want 5", st.Step)
	}
	log, err := os.ReadFile(filepath.Join(run, "train.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "align-ce") {
		t.Errorf("train.log lacks the alignment cross-entropy:\n%s", log)
	}

	ft := t.TempDir()
	_, stderr, code = cli(t, "", tinyTrainArgs(ft, append(guided, "--max-steps", "2", "--init", last, "--vocab", "999", "--d-model", "64")...)...)
	if code != exitOK || !strings.Contains(stderr, "initialized from") {
		t.Fatalf("--init: exit %d: %s", code, stderr)
	}
	st := readState(t, filepath.Join(ft, "last"))
	if st.Step != 2 || st.InitFrom != last || st.Guided == nil {
		t.Fatalf("fine-tuned state %+v", st)
	}
	a, err := os.ReadFile(filepath.Join(last, train.TokenizerFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(ft, "last", train.TokenizerFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Error("the fine-tuned run did not keep the vocabulary of --init")
	}
	if c, err := model.ReadConfig(filepath.Join(ft, "last")); err != nil || c.DModel != 16 {
		t.Errorf("fine-tuned config: %+v, %v; want the d_model 16 of --init", c, err)
	}
}

// TestTrainBPEDropout: --bpe-dropout adds segmented copies of the training
// pairs to a guided run, and the resumed run sees the same pairs.
func TestTrainBPEDropout(t *testing.T) {
	run := t.TempDir()
	args := []string{"--bpe-dropout", "0.2", "--bpe-copies", "2", "--guided-weight", "0.5", "--guided-layer", "0",
		"--guided-links", "../../nmt/train/testdata/links-tiny.jsonl"}
	_, stderr, code := cli(t, "", tinyTrainArgs(run, append(args, "--max-steps", "2")...)...)
	if code != exitOK || !strings.Contains(stderr, "2 segmented copies of the 36 training pairs") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st := readState(t, filepath.Join(run, "last")); st.Pairs != 3*36 {
		t.Fatalf("trainer.json has %d pairs, want %d", st.Pairs, 3*36)
	}
	if _, stderr, code = cli(t, "", tinyTrainArgs(run, append(args, "--max-steps", "3", "--resume")...)...); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
}

func TestTrainGuidedErrors(t *testing.T) {
	run := t.TempDir()
	links := "../../nmt/train/testdata/links-tiny.jsonl"
	checkExits(t, []exitCase{
		{"weight without links", tinyTrainArgs(run, "--guided-weight", "0.5"), exitUsage, "needs word links"},
		{"links without weight", tinyTrainArgs(run, "--guided-links", links), exitUsage, "need --guided-weight"},
		{"negative weight", tinyTrainArgs(run, "--guided-weight", "-1", "--guided-ibm1", "intersection"), exitUsage, "negative"},
		{"bad symmetrization", tinyTrainArgs(run, "--guided-weight", "1", "--guided-ibm1", "diagonal"), exitUsage, "unknown symmetrization"},
		{"layer out of range", tinyTrainArgs(t.TempDir(), "--guided-weight", "1", "--guided-ibm1", "intersection"), exitFailure, "out of range"},
		{"missing links file", tinyTrainArgs(t.TempDir(), "--guided-weight", "1", "--guided-links", "no-such.jsonl", "--guided-layer", "0"), exitFailure, "no-such.jsonl"},
		{"missing init", tinyTrainArgs(t.TempDir(), "--init", "no-such-dir"), exitFailure, "--init"},
	})
}

// TestTrainInitDeeper: --init with more decoder layers than the checkpoint
// trains a deeper model of the same width and vocabulary.
func TestTrainInitDeeper(t *testing.T) {
	run := t.TempDir()
	if _, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "2")...); code != exitOK {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	deep := t.TempDir()
	last := filepath.Join(run, "last")
	_, stderr, code := cli(t, "", tinyTrainArgs(deep, "--max-steps", "1", "--init", last, "--decoder-layers", "2", "--d-model", "64")...)
	if code != exitOK || !strings.Contains(stderr, "initialized from") {
		t.Fatalf("--init --decoder-layers 2: exit %d: %s", code, stderr)
	}
	c, err := model.ReadConfig(filepath.Join(deep, "last"))
	if err != nil || c.DModel != 16 || c.EncoderLayers != 1 || c.DecoderLayers != 2 {
		t.Fatalf("deepened config: %+v, %v; want d_model 16 and 1+2 layers", c, err)
	}
}

// TestTrainWithTokenizer: a fresh start with --tokenizer keeps that
// vocabulary byte for byte, whatever --vocab says, so the new model can be
// an ensemble member of the one whose tokenizer it took.
func TestTrainWithTokenizer(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	if _, stderr, code := cli(t, "", tinyTrainArgs(first, "--max-steps", "1")...); code != exitOK {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	tokPath := filepath.Join(first, "last", train.TokenizerFile)
	_, stderr, code := cli(t, "", tinyTrainArgs(second, "--max-steps", "1", "--tokenizer", tokPath, "--vocab", "200", "--seed", "7", "--encoder-layers", "2")...)
	if code != exitOK || strings.Contains(stderr, "BPE vocabulary") {
		t.Fatalf("--tokenizer: exit %d: %s", code, stderr)
	}
	want, _ := os.ReadFile(tokPath)
	got, err := os.ReadFile(filepath.Join(second, "last", train.TokenizerFile))
	if err != nil || string(got) != string(want) {
		t.Fatalf("the new run's tokenizer.json differs from --tokenizer's (%v)", err)
	}
	tr, err := nmt.Open(filepath.Join(first, "last"))
	if err != nil {
		t.Fatal(err)
	}
	member, err := model.Load(filepath.Join(second, "last"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.WithEnsemble(member); err != nil {
		t.Fatalf("the model trained on the same tokenizer is refused as a member: %v", err)
	}

	bad := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(bad, []byte(`{"model": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	checkExits(t, []exitCase{
		{"with --init", tinyTrainArgs(t.TempDir(), "--tokenizer", tokPath, "--init", filepath.Join(first, "last")), exitUsage, "--tokenizer and --init exclude each other"},
		{"missing file", tinyTrainArgs(t.TempDir(), "--tokenizer", "no-such.json"), exitFailure, "--tokenizer: open no-such.json"},
		{"not a tokenizer", tinyTrainArgs(t.TempDir(), "--tokenizer", bad), exitFailure, "--tokenizer: tokenize: " + bad},
	})
}

// TestTrainRunLocked: a second trainer on a run directory that one is
// training is refused with the owner named, and the run is untouched;
// once the first lets go, the same command trains.
func TestTrainRunLocked(t *testing.T) {
	run := t.TempDir()
	release, err := train.LockRun(run)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "1")...)
	want := "is in use: process " + strconv.Itoa(os.Getpid()) + " is training it"
	if code != exitFailure || !strings.Contains(stderr, want) {
		t.Fatalf("a second trainer: exit %d, %q; want exit %d mentioning %q", code, stderr, exitFailure, want)
	}
	if _, err := os.Stat(filepath.Join(run, "last")); !os.IsNotExist(err) {
		t.Fatalf("the refused trainer wrote a checkpoint (%v)", err)
	}
	release()
	if _, stderr, code := cli(t, "", tinyTrainArgs(run, "--max-steps", "1")...); code != exitOK {
		t.Fatalf("after the lock was released: exit %d: %s", code, stderr)
	}
}

// TestTrainRightToLeft: --right-to-left --freeze-embeddings turns a model
// around with its embedding matrix kept bit for bit; the run resumes as
// right-to-left; convert --no-embeddings makes of it the right-to-left/
// model of the model it came from, which then reranks with it.
func TestTrainRightToLeft(t *testing.T) {
	base, r2l := t.TempDir(), t.TempDir()
	if _, stderr, code := cli(t, "", tinyTrainArgs(base, "--max-steps", "2")...); code != exitOK {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	baseLast := filepath.Join(base, "last")
	_, stderr, code := cli(t, "", tinyTrainArgs(r2l, "--max-steps", "3", "--init", baseLast, "--right-to-left", "--freeze-embeddings")...)
	if code != exitOK || !strings.Contains(stderr, "right-to-left: the targets are learned last token first") {
		t.Fatalf("--right-to-left: exit %d: %s", code, stderr)
	}
	last := filepath.Join(r2l, "last")
	checkTurned := func(step int) {
		t.Helper()
		cfg, err := model.ReadConfig(last)
		if err != nil {
			t.Fatal(err)
		}
		if !cfg.RightToLeft {
			t.Fatal("config.json of the right-to-left run lacks right_to_left")
		}
		if st := readState(t, last); st.Step != step {
			t.Fatalf("step %d, want %d", st.Step, step)
		}
		a, err := model.Load(baseLast)
		if err != nil {
			t.Fatal(err)
		}
		b, err := model.Load(last)
		if err != nil {
			t.Fatal(err)
		}
		wa, wb := a.Weights(), b.Weights()
		if !slices.Equal(wa[model.SharedEmbedding], wb[model.SharedEmbedding]) {
			t.Fatal("the frozen embedding matrix changed")
		}
		if name := "model.decoder.layers.0.fc1.weight"; slices.Equal(wa[name], wb[name]) {
			t.Fatalf("%s did not train", name)
		}
	}
	checkTurned(3)
	// On resume the checkpoint says right-to-left; the flag is not needed.
	if _, stderr, code := cli(t, "", tinyTrainArgs(r2l, "--max-steps", "4", "--resume", "--freeze-embeddings")...); code != exitOK || !strings.Contains(stderr, "right-to-left") {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	checkTurned(4)

	// Shipped beside the model it came from, without a second copy of the
	// embeddings.
	dir := filepath.Join(t.TempDir(), "en-es")
	if _, stderr, code := cli(t, "", "convert", "--dtype", "f32", baseLast, dir); code != exitOK {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	if _, stderr, code := cli(t, "", "convert", "--no-embeddings", "--dtype", "f32", last, filepath.Join(dir, nmt.RightToLeftDir)); code != exitOK {
		t.Fatalf("convert --no-embeddings: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, nmt.RightToLeftDir, train.TokenizerFile)); !os.IsNotExist(err) {
		t.Errorf("convert --no-embeddings copied the tokenizer (%v)", err)
	}
	tr, err := nmt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Info().RightToLeftParameters == 0 {
		t.Fatal("the model directory's right-to-left model was not loaded")
	}
	out, err := tr.Translate(context.Background(), nmt.Request{Texts: []string{"In the beginning God created the heavens."}, Options: nmt.Options{BeamSize: 3, MaxLength: 8, RightToLeft: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := out[0].Sentences[0].Hypotheses[0]; h.RightToLeftScore == 0 || math.IsInf(h.RightToLeftScore, 0) {
		t.Errorf("right-to-left score %g", h.RightToLeftScore)
	}
	stdout, stderr, code := cli(t, "", "translate", "--model", dir, "--beam", "3", "--max-length", "8", "--r2l", "1", "--format", "json", "In the beginning God created the heavens.")
	if code != exitOK || !strings.Contains(stdout, `"right_to_left_score"`) || !strings.Contains(stdout, out[0].Text) {
		t.Errorf("translate --r2l: exit %d, %s %s; want the library's %q", code, stdout, stderr, out[0].Text)
	}

	checkExits(t, []exitCase{
		{"with guided alignment", tinyTrainArgs(t.TempDir(), "--right-to-left", "--guided-weight", "0.5", "--guided-ibm1", "grow-diag"), exitUsage, "--right-to-left does not take guided alignment"},
		{"frozen from nothing", tinyTrainArgs(t.TempDir(), "--freeze-embeddings"), exitUsage, "--freeze-embeddings needs --init"},
		{"a left-to-right run resumed right-to-left", tinyTrainArgs(base, "--resume", "--right-to-left", "--max-steps", "3"), exitFailure, "was not trained right-to-left"},
		{"no right-to-left model", []string{"translate", "--model", baseLast, "--r2l", "1", "x"}, exitUsage, "right-to-left"},
	})
}

// TestTrainExtraFiles: --extra reads every file of its comma-separated
// list, each filtered of held-out books like --train, and names a missing
// one.
func TestTrainExtraFiles(t *testing.T) {
	dir := t.TempDir()
	tsv, err := os.ReadFile(tinyCorpus)
	if err != nil {
		t.Fatal(err)
	}
	var gen, col []string
	for _, line := range strings.Split(strings.TrimSpace(string(tsv)), "\n") {
		if strings.Split(line, "\t")[1] == "Col" {
			col = append(col, line)
		} else {
			gen = append(gen, line)
		}
	}
	a, b := filepath.Join(dir, "a.tsv"), filepath.Join(dir, "b.tsv")
	// a.tsv: five training verses; b.tsv: three more and every dev verse,
	// which must be left out.
	if err := os.WriteFile(a, []byte(strings.Join(gen[:5], "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(strings.Join(append(gen[5:8:8], col...), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "", tinyTrainArgs(filepath.Join(dir, "run"), "--max-steps", "1", "--extra", a+","+b)...)
	want := fmt.Sprintf("encoding %d training and %d dev pairs", len(gen)+8, len(col))
	if code != exitOK || !strings.Contains(stderr, want) {
		t.Fatalf("exit %d, stderr %q; want %q", code, stderr, want)
	}
	checkExits(t, []exitCase{{"missing extra", tinyTrainArgs(filepath.Join(dir, "run2"), "--extra", a+",no-such.tsv"), exitFailure, "no-such.tsv"}})
}
