package nmt

// Plan is what a request will decode, worked out before any decoding:
// every check Translate makes on the request, the sentences its texts split
// into with their lengths, and the search options with their defaults
// filled in. It costs one tokenization of the texts and no model pass, so
// that a server can refuse a request, or weigh its cost, before giving it
// a decoding worker.
type Plan struct {
	// Sentences holds, per text, the encoder's input length of each of
	// its sentences (lines with Options.WholeLines): source tokens, the
	// language token of a multi-target model, and end of sentence.
	Sentences [][]int
	// BeamSize, NBest and MaxLength are the search's, defaults applied;
	// MaxLengthRatio and MaxLengthOffset give each sentence's second cap,
	// ⌊ratio × its length + offset⌋ target tokens.
	BeamSize, NBest, MaxLength int
	MaxLengthRatio             float64
	MaxLengthOffset            int
	// Models is how many models decode every step: 1, or 1 + the
	// ensemble members with Options.Ensemble. Rescorers counts the models
	// that force-decode the whole beam afterwards (reverse and
	// right-to-left).
	Models, Rescorers int
	// BatchSize is how many sentences are decoded together at most.
	BatchSize int
}

// Plan checks req as Translate would and returns what it will decode.
func (t *Translator) Plan(req Request) (Plan, error) {
	opts, err := t.searchOptions(req.Options)
	if err != nil {
		return Plan{}, err
	}
	lang, err := t.targetLanguage(req.Options.TargetLanguage)
	if err != nil {
		return Plan{}, err
	}
	if err := t.checkRerank(req.Options); err != nil {
		return Plan{}, err
	}
	if err := t.checkEnsemble(req.Options.Ensemble); err != nil {
		return Plan{}, err
	}
	job, err := t.prepare(req.Texts, lang, req.Options.WholeLines)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Sentences: make([][]int, len(job.sentences)), BeamSize: opts.BeamSize, NBest: opts.NBest,
		MaxLength: opts.MaxLength, MaxLengthRatio: opts.MaxLengthRatio, MaxLengthOffset: opts.MaxLengthOffset,
		Models: 1, BatchSize: t.maxBatch}
	for i, ss := range job.sentences {
		p.Sentences[i] = make([]int, len(ss))
		for k, s := range ss {
			p.Sentences[i][k] = len(s.ids)
		}
	}
	if req.Options.Ensemble {
		p.Models += len(t.members)
	}
	if opts.BeamSize > 1 {
		if req.Options.Rerank > 0 {
			p.Rescorers++
		}
		if req.Options.RightToLeft > 0 {
			p.Rescorers++
		}
	}
	return p, nil
}

// TargetLimit returns the most target tokens a sentence of srcLen input
// tokens may decode, end of sentence included.
func (p Plan) TargetLimit(srcLen int) int {
	n := p.MaxLength
	if p.MaxLengthRatio > 0 {
		n = min(n, max(1, int(p.MaxLengthRatio*float64(srcLen))+p.MaxLengthOffset))
	}
	return n
}
