package nmt

import (
	"strings"
	"unicode/utf8"

	"github.com/translated/translated/tokenize"
)

// pieceWriter gives each output token the text it adds to the translation.
// A byte-level token may hold part of a character; its text is then empty
// and the character goes to the token that completes it, so that the texts
// of all tokens concatenate to the decoded translation.
//
// With tidy, the text is the decoded text put through tidySpacing, and
// spaces at its end wait for the next token (a closing mark after them
// may remove them); a translation's trailing spaces are trimmed anyway.
type pieceWriter struct {
	tok     tokenize.Tokenizer
	tidy    bool
	ids     []int
	emitted string // text handed out so far
}

func (p *pieceWriter) next(id int) string {
	p.ids = append(p.ids, id)
	text := p.tok.Decode(p.ids)
	// Hold back an incomplete character at the end (decoded as U+FFFD).
	for strings.HasSuffix(text, string(utf8.RuneError)) {
		text = strings.TrimSuffix(text, string(utf8.RuneError))
	}
	if p.tidy {
		text = strings.TrimRight(tidySpacing(text), " ")
	}
	if !strings.HasPrefix(text, p.emitted) {
		return "" // the decoder rewrote earlier text; nothing new is certain
	}
	piece := text[len(p.emitted):]
	p.emitted = text
	return piece
}
