package extract

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// EuroparlPairs reads the first limit lines (0: all) of a sentence-aligned
// Europarl pair of files and detokenizes them (DetokenizeMoses). Lines
// where either side is blank are left out, and so is everything after
// limit; the files must have a line for every line of each other up to it.
func EuroparlPairs(en, es io.Reader, limit int) ([]Pair, error) {
	se, ss := bufio.NewScanner(en), bufio.NewScanner(es)
	se.Buffer(make([]byte, 1<<16), 1<<24)
	ss.Buffer(make([]byte, 1<<16), 1<<24)
	var out []Pair
	for n := 1; limit == 0 || n <= limit; n++ {
		okE, okS := se.Scan(), ss.Scan()
		if !okE || !okS {
			if err := firstErr(se.Err(), ss.Err()); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if okE != okS {
				return nil, fmt.Errorf("line %d: the English and Spanish files have different numbers of lines", n)
			}
			break
		}
		e := DetokenizeMoses(strings.TrimSuffix(se.Text(), "\r"))
		s := DetokenizeMoses(strings.TrimSuffix(ss.Text(), "\r"))
		if e != "" && s != "" {
			out = append(out, Pair{En: e, Es: s})
		}
	}
	return out, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

var mosesEscapes = strings.NewReplacer("&amp;", "&", "&#124;", "|", "&lt;", "<", "&gt;", ">", "&apos;", "'", "&quot;", `"`, "&#91;", "[", "&#93;", "]")

// DetokenizeMoses undoes the Moses tokenizer's escapes and spacing on one
// line, best effort: no space before , . ; : ? ! % ) ] » or English
// contractions ('s, 't, n't, 're, 've, 'll, 'd, 'm, with ' or ’, also when
// the tokenizer cut the apostrophe off: "Parliament ’ s"), none after ( [ ¿ ¡ «,
// straight double quotes joined to the words they enclose (alternately
// opening and closing). Text that was never tokenized comes through
// unchanged except for those spaces.
func DetokenizeMoses(line string) string {
	toks := joinApostrophes(strings.Fields(mosesEscapes.Replace(line)))
	var b strings.Builder
	quotes := 0
	glue := true // no space before the next token
	for i, t := range toks {
		attachLeft := false
		nextGlue := false
		switch {
		case t == `"`:
			quotes++
			if quotes%2 == 1 {
				nextGlue = true
			} else {
				attachLeft = true
			}
		case allIn(t, ",.;:?!%)]»…"):
			attachLeft = true
		case t == "(" || t == "[" || t == "¿" || t == "¡" || t == "«":
			nextGlue = true
		case isContraction(t) && i > 0:
			attachLeft = true
		}
		if b.Len() > 0 && !glue && !attachLeft {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		glue = nextGlue
	}
	return b.String()
}

func allIn(s, chars string) bool {
	for _, r := range s {
		if !strings.ContainsRune(chars, r) {
			return false
		}
	}
	return true
}

func isContraction(t string) bool {
	switch strings.ToLower(strings.Replace(t, "’", "'", 1)) {
	case "'s", "'t", "n't", "'re", "'ve", "'ll", "'d", "'m":
		return true
	}
	return false
}

// joinApostrophes puts a lone apostrophe (' or ’) together with the
// contraction ending after it: "Parliament ’ s" has the tokens
// Parliament, ’s.
func joinApostrophes(toks []string) []string {
	out := toks[:0]
	for i := 0; i < len(toks); i++ {
		if (toks[i] == "'" || toks[i] == "’") && i > 0 && i+1 < len(toks) && isContraction("'"+toks[i+1]) {
			out = append(out, toks[i]+toks[i+1])
			i++
			continue
		}
		out = append(out, toks[i])
	}
	return out
}
