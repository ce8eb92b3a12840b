package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/translated/translated/nmt"
)

// printer writes one translation result in the chosen format.
type printer struct {
	format string
	w      io.Writer
	enc    *json.Encoder
	// attention prints the tokens' cross-attention in json (--attention);
	// results may carry it for --align-out alone.
	attention bool
}

func newPrinter(format string, w io.Writer) (*printer, error) {
	switch format {
	case "text", "json":
	default:
		return nil, fmt.Errorf("--format %q is not text or json", format)
	}
	p := &printer{format: format, w: w, enc: json.NewEncoder(w)}
	p.enc.SetEscapeHTML(false)
	return p, nil
}

// print writes r: in text, the translation on one line (with n-best lists,
// one line per hypothesis as "rank ||| text ||| score", sentence by
// sentence); in json, one object per line (see jsonTranslation).
func (p *printer) print(r nmt.Translation) error {
	if p.format == "json" {
		return p.enc.Encode(toJSON(r, p.attention))
	}
	nbest := 0
	for _, s := range r.Sentences {
		nbest = max(nbest, len(s.Hypotheses))
	}
	if nbest <= 1 {
		_, err := fmt.Fprintln(p.w, nmt.OneLine(r.Text))
		return err
	}
	for _, s := range r.Sentences {
		for k, h := range s.Hypotheses {
			if _, err := fmt.Fprintf(p.w, "%d ||| %s ||| %.4f\n", k, nmt.OneLine(h.Text), h.Score); err != nil {
				return err
			}
		}
	}
	return nil
}

// printAll prints every result; a write error ends the command.
func (p *printer) printAll(res []nmt.Translation, e *env) int {
	for _, r := range res {
		if err := p.print(r); err != nil {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
	}
	return exitOK
}

// printError stands in for the result of an input line that was refused:
// an empty line in text, {"line": N, "error": "..."} in json.
func (p *printer) printError(line int, err error) error {
	if p.format == "json" {
		return p.enc.Encode(struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
		}{line, err.Error()})
	}
	_, werr := fmt.Fprintln(p.w)
	return werr
}

// The JSON output, one object per input text. Offsets are bytes of the
// input text; log-probabilities are natural logarithms.
type jsonTranslation struct {
	Source      string         `json:"source"`
	Translation string         `json:"translation"`
	Sentences   []jsonSentence `json:"sentences"`
}

type jsonSentence struct {
	Start        int              `json:"start"`
	End          int              `json:"end"`
	SourceTokens []jsonSource     `json:"source_tokens"`
	Hypotheses   []jsonHypothesis `json:"hypotheses"`
}

type jsonSource struct {
	ID    int    `json:"id"`
	Piece string `json:"piece"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

type jsonHypothesis struct {
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
	LogProb float64 `json:"log_prob"`
	// ReverseScore is the reverse model's mean log-probability per token
	// of the source given this hypothesis (with --rerank).
	ReverseScore float64 `json:"reverse_score,omitempty"`
	// RightToLeftScore is the right-to-left model's mean log-probability
	// per token of this hypothesis read backwards (with --r2l).
	RightToLeftScore float64 `json:"right_to_left_score,omitempty"`
	// MBRScore is this hypothesis's expected chrF2 against the beam's
	// hypotheses (with --mbr).
	MBRScore float64     `json:"mbr_score,omitempty"`
	Tokens   []jsonToken `json:"tokens"`
	// EOSAttention is the attention of the end-of-sentence step (with
	// --attention, when the hypothesis ended with one).
	EOSAttention [][][]float32 `json:"eos_attention,omitempty"`
}

type jsonToken struct {
	ID        int           `json:"id"`
	Piece     string        `json:"piece"`
	Text      string        `json:"text"`
	LogProb   float32       `json:"log_prob"`
	Attention [][][]float32 `json:"attention,omitempty"`
}

func toJSON(r nmt.Translation, attention bool) jsonTranslation {
	out := jsonTranslation{Source: r.Source, Translation: r.Text, Sentences: []jsonSentence{}}
	for _, s := range r.Sentences {
		js := jsonSentence{Start: s.Start, End: s.End, SourceTokens: []jsonSource{}, Hypotheses: []jsonHypothesis{}}
		for _, t := range s.Tokens {
			js.SourceTokens = append(js.SourceTokens, jsonSource{ID: t.ID, Piece: t.Piece, Start: t.Start, End: t.End})
		}
		for _, h := range s.Hypotheses {
			jh := jsonHypothesis{Text: h.Text, Score: h.Score, LogProb: h.LogProb, ReverseScore: h.ReverseScore, RightToLeftScore: h.RightToLeftScore, MBRScore: h.MBRScore, Tokens: []jsonToken{}}
			if attention {
				jh.EOSAttention = h.EOSAttention
			}
			for _, t := range h.Tokens {
				jt := jsonToken{ID: t.ID, Piece: t.Piece, Text: t.Text, LogProb: t.LogProb}
				if attention {
					jt.Attention = t.Attention
				}
				jh.Tokens = append(jh.Tokens, jt)
			}
			js.Hypotheses = append(js.Hypotheses, jh)
		}
		out.Sentences = append(out.Sentences, js)
	}
	return out
}
