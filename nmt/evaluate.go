package nmt

import (
	"context"
	"strings"

	"github.com/translated/translated/nmt/metrics"
)

// Requester translates requests: a *Translator, or a client of a
// translated server that offers the same call.
type Requester interface {
	Translate(ctx context.Context, req Request, stream func(Event)) ([]Translation, error)
}

// Evaluation is a test set's translations and their corpus scores against
// its references.
type Evaluation struct {
	Hypotheses []string          // one line per source text, in order
	BLEU       metrics.BLEUScore // corpus BLEU, 13a tokenization (as sacreBLEU)
	CHRF       float64           // corpus chrF2
}

// Evaluate translates sources with opts, batch texts per request, and
// scores the translations against refs (one per source). Each translation
// is kept on one line: its line breaks become spaces. Errors are those of
// tr, unwrapped.
func Evaluate(ctx context.Context, tr Requester, sources, refs []string, opts Options, batch int) (Evaluation, error) {
	if len(sources) != len(refs) {
		return Evaluation{}, invalidf("%d sources for %d references", len(sources), len(refs))
	}
	if batch < 1 {
		return Evaluation{}, invalidf("the batch must hold at least one text, got %d", batch)
	}
	hyps := make([]string, 0, len(sources))
	for lo := 0; lo < len(sources); lo += batch {
		res, err := tr.Translate(ctx, Request{Texts: sources[lo:min(lo+batch, len(sources))], Options: opts}, nil)
		if err != nil {
			return Evaluation{}, err
		}
		for _, r := range res {
			hyps = append(hyps, OneLine(r.Text))
		}
	}
	return Score(hyps, refs)
}

// Score scores given translations against refs, line by line.
func Score(hyps, refs []string) (Evaluation, error) {
	if len(hyps) != len(refs) {
		return Evaluation{}, invalidf("%d translations for %d references", len(hyps), len(refs))
	}
	return Evaluation{Hypotheses: hyps, BLEU: metrics.BLEU(hyps, refs), CHRF: metrics.CHRF(hyps, refs)}, nil
}

// OneLine keeps a translation on one line: surrounding space trimmed, each
// line break (\r\n, \n or \r) a space.
func OneLine(s string) string {
	return oneLineBreaks.Replace(strings.TrimSpace(s))
}

var oneLineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")
