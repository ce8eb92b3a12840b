package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/translated/translated/nmt"
)

func init() {
	register("translate", "translate arguments, or stdin one text per line", runTranslate)
}

// modelFlags choose a model: by name or directory, or by language pair
// under a directory of models, on this machine or on a server.
type modelFlags struct {
	dir, from, to, models string
	server                string // host:port of a translated server; empty = local model
	remote                remoteFlags
	reverse               string // --reverse-model: the opposite direction, for --rerank
	// wantReverse makes open load the reverse model too (--rerank was given).
	wantReverse bool
	// fromSet and toSet record that --from and --to were given: a server
	// asked for a named model then checks them against the model's pair.
	fromSet, toSet bool
	shortlist      string // --shortlist: a vocabulary shortlist file for the local model
}

// translator is what the commands need of a model, local or behind a
// server: *nmt.Translator and *remoteTranslator both provide it.
type translator interface {
	Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error)
	Align(ctx context.Context, source, target string, opts nmt.Options) (nmt.Translation, error)
}

func (m *modelFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&m.dir, "model", "", "the model: a `NAME` without a slash is the model directory of that name under --models (such as en-es-bible), or with --server the server's model of that name; a DIR with a slash (such as ./my-model) is a model directory (config.json, model.safetensors or pytorch_model.bin, tokenizer.json or an OPUS-MT's source.spm, target.spm and vocab.json); overrides --from/--to, which pick <from>-<to> by default")
	fs.StringVar(&m.from, "from", "en", "source language, picks `DIR`/<from>-<to> under --models")
	fs.StringVar(&m.to, "to", "es", "target language")
	fs.StringVar(&m.models, "models", "checkpoints", "directory holding the model directories, each named <from>-<to> (the pair's default) or <from>-<to>-<variant>")
	fs.StringVar(&m.server, "server", "", "translate through translated servers instead of a local model, with the pair's default model from --from/--to or --model NAME: one `host:port`, several as host:port,host:port,… or any gRPC target (dns:///host:port resolves every address of a name); calls go round the servers, and calls a server could not take are retried on the others")
	fs.StringVar(&m.shortlist, "shortlist", "", "search with this vocabulary shortlist `FILE` (translate-cli shortlist writes one, as text or gzip), or with \"model\" the one shipped in the model directory ("+nmt.ShortlistFile+"): each sentence keeps only the target tokens it lists for its source tokens")
	m.remote.add(fs)
	recordSet(fs, "from", &m.fromSet)
	recordSet(fs, "to", &m.toSet)
}

// recordSet makes flag name set *set when the command line gives it.
func recordSet(fs *flag.FlagSet, name string, set *bool) {
	f := fs.Lookup(name)
	f.Value = givenValue{Value: f.Value, set: set}
}

// givenValue is a flag's value that records whether it was set.
type givenValue struct {
	flag.Value
	set *bool
}

func (g givenValue) Set(s string) error {
	*g.set = true
	return g.Value.Set(s)
}

// modelName reports whether --model is a model's name rather than a
// directory: it holds no slash and is not "." or "..".
func (m *modelFlags) modelName() bool {
	return m.dir != "" && m.dir != "." && m.dir != ".." && !strings.ContainsRune(m.dir, '/') && !strings.ContainsRune(m.dir, filepath.Separator)
}

// connect opens the local model, or a client of the server when --server
// is set. The returned function releases it.
func (m *modelFlags) connect(e *env) (translator, func(), int) {
	if m.server == "" {
		tr, code := m.open(e)
		return tr, func() {}, code
	}
	if (m.dir != "" && !m.modelName()) || m.reverse != "" || m.shortlist != "" {
		fmt.Fprintln(e.stderr, "translate-cli: --model DIR, --reverse-model and --shortlist exclude --server: a server serves models by name (--model NAME) or by pair (--from/--to)")
		return nil, nil, exitUsage
	}
	from, to := m.from, m.to
	if m.dir != "" { // the server checks the languages given against the model's
		from, to = given(m.fromSet, from), given(m.toSet, to)
	}
	r, err := dialServer(m.server, m.remote, m.dir, from, to)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return nil, nil, exitUsage
	}
	return r, func() { r.Close() }, exitOK
}

// given returns v when set, else "".
func given(set bool, v string) string {
	if set {
		return v
	}
	return ""
}

// path resolves the model directory the flags name.
func (m *modelFlags) path() string {
	if m.modelName() {
		return filepath.Join(m.models, m.dir)
	}
	if m.dir != "" {
		return m.dir
	}
	return filepath.Join(m.models, m.from+"-"+m.to)
}

// reversePath resolves the reverse model's directory: --reverse-model, else
// the directory beside the model whose name swaps the pair's languages
// (keeping its variant when that directory exists).
func (m *modelFlags) reversePath() (string, error) {
	if m.reverse != "" {
		return m.reverse, nil
	}
	if m.dir == "" {
		return filepath.Join(m.models, m.to+"-"+m.from), nil
	}
	dir := filepath.Clean(m.path())
	a, rest, ok := strings.Cut(filepath.Base(dir), "-")
	b, variant, _ := strings.Cut(rest, "-")
	reverse := filepath.Join(filepath.Dir(dir), b+"-"+a)
	if !ok || a == "" || b == "" {
		return "", fmt.Errorf("--rerank: cannot tell the reverse of %s from its name; give --reverse-model", m.dir)
	}
	// Another model of a pair (en-es-bible) reranks with the same variant
	// of the opposite pair (es-en-bible) when there is one, else with the
	// opposite pair's default (es-en).
	if variant != "" {
		if _, err := os.Stat(reverse + "-" + variant); err == nil {
			return reverse + "-" + variant, nil
		}
		if _, err := os.Stat(reverse); err != nil {
			return "", fmt.Errorf("--rerank: no %s or %s beside %s to rerank with; give --reverse-model", b+"-"+a+"-"+variant, b+"-"+a, m.dir)
		}
	}
	return reverse, nil
}

// open loads the chosen model, and its reverse when wantReverse, printing a
// clear message on failure.
func (m *modelFlags) open(e *env) (*nmt.Translator, int) {
	tr, code := m.openDir(e)
	if code == exitOK && m.shortlist != "" {
		tr, code = withShortlist(e, tr, m.shortlist, m.path())
	}
	if code != exitOK || !m.wantReverse {
		return tr, code
	}
	dir, err := m.reversePath()
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return nil, exitUsage
	}
	rev, err := nmt.Open(dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: cannot load the reverse model for --rerank: %v\n", err)
		return nil, exitBadModel
	}
	if tr, err = tr.WithReverse(rev); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: --rerank: %v\n", err)
		return nil, exitUsage
	}
	return tr, exitOK
}

func (m *modelFlags) openDir(e *env) (*nmt.Translator, int) {
	tr, err := nmt.Open(m.path())
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: cannot load model: %v\n", err)
		if m.dir == "" || m.modelName() {
			if pairs := listPairs(m.models); len(pairs) > 0 {
				fmt.Fprintf(e.stderr, "models under %s: %s\n", m.models, strings.Join(pairs, ", "))
			}
		}
		return nil, exitBadModel
	}
	return tr, exitOK
}

// listPairs names the model directories under dir.
func listPairs(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "config.json")); err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// decodeFlags are the decoding options shared by every command that decodes.
type decodeFlags struct {
	beam, nbest, maxLength int
	lengthPenalty, ratio   float64
	targetLang             string
	rerank, r2l, mbr       float64
	reverse                string // --reverse-model
	wholeLines             bool
	ensemble               bool
	// lengthPenaltySet and mbrSet record that --length-penalty and --mbr
	// were given: their zero is a value of its own.
	lengthPenaltySet, mbrSet bool
}

func (d *decodeFlags) add(fs *flag.FlagSet) {
	fs.IntVar(&d.beam, "beam", 0, "beam size; 1 is greedy (default: the model's num_beams, else 4)")
	fs.IntVar(&d.nbest, "nbest", 0, "hypotheses to output per sentence, at most --beam (default 1)")
	fs.Float64Var(&d.lengthPenalty, "length-penalty", 0, "α in score = Σ log p / length^α; 0 ranks by the plain sum (default: the model's, else 1)")
	fs.IntVar(&d.maxLength, "max-length", 0, "most target tokens per sentence, eos included (default: the model's max_length − 1, else min(256, model positions))")
	fs.Float64Var(&d.ratio, "max-length-ratio", 0, "most target tokens per source token, plus 10 (default 3)")
	fs.StringVar(&d.targetLang, "target-lang", "", "output language of a multi-target OPUS-MT model, such as es for >>es<< (required by those models)")
	fs.Float64Var(&d.rerank, "rerank", 0, "rerank the beam with the reverse model at this `weight` (0 off, at most 10; see --reverse-model)")
	fs.Float64Var(&d.r2l, "r2l", 0, "rerank the beam with the model's right-to-left model (its right-to-left/ directory) at this `weight`, alone or with --rerank (0 off, at most 10)")
	fs.Float64Var(&d.mbr, "mbr", 0, "choose among the beam's hypotheses by minimum Bayes risk: the one with the highest expected chrF2 against the others, each weighted by exp(−`sharpness` × how far its score falls below the best); 0 weighs them alike; at most 1000 (default: off)")
	fs.BoolVar(&d.wholeLines, "whole-lines", false, "translate each line as one unit instead of sentence by sentence (suits texts cut into the units the model learned from, such as Bible verses)")
	fs.BoolVar(&d.ensemble, "ensemble", false, "decode with the model's ensemble members too (its ensemble/ directory), averaging their log-probabilities; one decoder pass per model")
	fs.StringVar(&d.reverse, "reverse-model", "", "with --rerank: the model `DIR` of the opposite direction (default: <to>-<from> beside the model)")
	recordSet(fs, "length-penalty", &d.lengthPenaltySet)
	recordSet(fs, "mbr", &d.mbrSet)
}

// useReverse tells m to load the reverse model when --rerank asks for it.
func (d *decodeFlags) useReverse(m *modelFlags) {
	m.reverse, m.wantReverse = d.reverse, d.rerank > 0
}

func (d *decodeFlags) options() nmt.Options {
	o := nmt.Options{BeamSize: d.beam, NBest: d.nbest, MaxLength: d.maxLength, MaxLengthRatio: d.ratio,
		TargetLanguage: d.targetLang, Rerank: d.rerank, RightToLeft: d.r2l, WholeLines: d.wholeLines, Ensemble: d.ensemble}
	if d.lengthPenaltySet {
		o.LengthPenalty = new(d.lengthPenalty)
	}
	if d.mbrSet {
		o.MBR = new(d.mbr)
	}
	return o
}

func runTranslate(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("translate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var mf modelFlags
	var df decodeFlags
	mf.add(fs)
	df.add(fs)
	format := fs.String("format", "text", "output format: text (one line per input) or json (one JSON object per input)")
	attention := fs.Bool("attention", false, "with --format json: include every token's cross-attention [layers][heads][source tokens+eos]")
	batch := fs.Int("batch", 64, "texts per call: the batch read from stdin (default 64), or with --input the lines of each call (default 16)")
	var batchSet bool
	recordSet(fs, "batch", &batchSet)
	input := fs.String("input", "", "translate this `FILE` into --output, line by line, with --parallel calls in flight; run again after an interruption, the same command continues where it stopped (see --output)")
	output := fs.String("output", "", "with --input: write the translations to this `FILE`, one result per input line in input order; until it is complete, FILE.progress beside it records how far it got")
	parallel := fs.Int("parallel", 0, "with --input: calls in flight at once (default: 2 per address --server names, a target such as dns:/// counting as one; 1 for a local model; about a server's workers + 1 per server keeps it busy)")
	var ao alignOut
	ao.add(fs)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli translate [flags] [text ...]\n\nTranslates each argument, or each line of stdin when there is none.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	df.useReverse(&mf)
	if mf.server != "" && df.targetLang != "" {
		fmt.Fprintln(e.stderr, "translate-cli: --target-lang is for a local model; a server takes the target language from --to")
		return exitUsage
	}
	out, err := newPrinter(*format, e.stdout)
	if err == nil && *batch < 1 {
		err = errors.New("--batch must be at least 1")
	}
	if err == nil {
		err = ao.check(mf.server)
	}
	if err == nil {
		err = checkBulk(*input, *output, *parallel, fs.NArg(), ao.enabled())
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitUsage
	}
	tr, release, code := mf.connect(e)
	if code != exitOK {
		return code
	}
	defer release()
	if code, err := ao.heads(fs, tr); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return code
	}
	opts := df.options()
	opts.Attention = *attention || ao.enabled()
	out.attention = *attention
	if *input != "" {
		if !batchSet {
			*batch = 16
		}
		b := &bulk{tr: tr, opts: opts, format: *format, attn: *attention, batch: *batch, parallel: *parallel,
			attempts: bulkAttempts, backoff: time.Second, maxBackoff: 15 * time.Second, stderr: &lockedWriter{w: e.stderr}}
		if b.parallel == 0 {
			b.parallel = defaultParallel(mf.server)
		}
		return b.run(ctx, *input, *output, settingsSum(&mf, b))
	}
	// printAll prints a batch's results and keeps their alignments, the
	// texts numbered from first.
	printAll := func(first int, res []nmt.Translation) int {
		if err := ao.collect(first, res); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
		return out.printAll(res, e)
	}
	if fs.NArg() > 0 {
		res, err := tr.Translate(ctx, nmt.Request{Texts: fs.Args(), Options: opts}, nil)
		if err != nil {
			return reportError(e, err)
		}
		if code := printAll(1, res); code != exitOK {
			return code
		}
		return ao.write(e)
	}
	// From stdin, a bad line must not cost the others: a batch that is
	// refused is retried line by line, and each refused line gets an empty
	// output line (text) or an error object (json) so that output lines
	// still match input lines. The exit code then says that some failed.
	failed := false
	code = forBatches(e.stdin, *batch, func(first int, texts []string) int {
		res, err := tr.Translate(ctx, nmt.Request{Texts: texts, Options: opts}, nil)
		if err == nil {
			return printAll(first, res)
		}
		if !errors.Is(err, nmt.ErrInvalidArgument) {
			return reportError(e, err)
		}
		for i, text := range texts {
			res, err := tr.Translate(ctx, nmt.Request{Texts: []string{text}, Options: opts}, nil)
			switch {
			case errors.Is(err, nmt.ErrInvalidArgument):
				failed = true
				fmt.Fprintf(e.stderr, "translate-cli: line %d: %v\n", first+i, err)
				if err := out.printError(first+i, err); err != nil {
					return reportError(e, err)
				}
			case err != nil:
				return reportError(e, err)
			default:
				if code := printAll(first+i, res); code != exitOK {
					return code
				}
			}
		}
		return exitOK
	}, e)
	if code == exitOK {
		code = ao.write(e)
	}
	if code == exitOK && failed {
		return exitUsage
	}
	return code
}

// forBatches reads lines and hands them on in batches of n, with the
// 1-based number of each batch's first line.
func forBatches(r io.Reader, n int, f func(first int, lines []string) int, e *env) int {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var lines []string
	first := 1
	for sc.Scan() {
		lines = append(lines, strings.TrimSuffix(sc.Text(), "\r"))
		if len(lines) == n {
			if code := f(first, lines); code != exitOK {
				return code
			}
			first += len(lines)
			lines = lines[:0]
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: reading stdin: %v\n", err)
		return exitFailure
	}
	if len(lines) > 0 {
		return f(first, lines)
	}
	return exitOK
}

// reportError prints a decoding error and chooses the exit code.
func reportError(e *env, err error) int {
	fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
	return errorCode(err)
}

// errorCode chooses the exit code of a decoding error.
func errorCode(err error) int {
	switch {
	case errors.Is(err, nmt.ErrInvalidArgument):
		return exitUsage
	case errors.Is(err, nmt.ErrBadModel):
		return exitBadModel
	}
	return exitFailure
}
