package extract

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Description is one package description of a DDTP Translation index:
// the one-line synopsis and the paragraphs of the long description.
type Description struct {
	Package    string
	Short      string
	Paragraphs []string
}

// ReadTranslation reads a Debian Translation-LANG index (Translation-en,
// Translation-es) and returns its descriptions by Description-md5. A
// paragraph's lines are joined with single spaces; a line holding only
// " ." separates paragraphs.
func ReadTranslation(r io.Reader, lang string) (map[string]Description, error) {
	field := "Description-" + lang + ":"
	out := map[string]Description{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	var (
		md5    string
		d      Description
		inDesc bool
		para   []string
		n      int
	)
	endPara := func() {
		if len(para) > 0 {
			d.Paragraphs = append(d.Paragraphs, strings.Join(para, " "))
			para = nil
		}
	}
	endStanza := func() {
		endPara()
		if md5 != "" && d.Short != "" {
			out[md5] = d
		}
		md5, d, inDesc = "", Description{}, false
	}
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case line == "":
			endStanza()
		case line[0] == ' ' || line[0] == '\t':
			if !inDesc {
				continue
			}
			if strings.TrimSpace(line) == "." {
				endPara()
			} else {
				para = append(para, strings.TrimSpace(line))
			}
		default:
			inDesc = false
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("line %d: %q is neither a field nor a continuation", n, line)
			}
			value = strings.TrimSpace(value)
			switch name + ":" {
			case "Package:":
				d.Package = value
			case "Description-md5:":
				md5 = value
			case field:
				d.Short, inDesc = value, true
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	endStanza()
	return out, nil
}

// DDTPPairs joins two indexes by Description-md5, in the order of the
// English package names: the synopses pair, and the paragraphs pair in
// order when both descriptions have as many. Text left untranslated (the
// same on both sides) is left out.
func DDTPPairs(en, es map[string]Description) []Pair {
	keys := make([]string, 0, len(es))
	for k := range es {
		if _, ok := en[k]; ok {
			keys = append(keys, k)
		}
	}
	sortBy(keys, func(k string) string { return en[k].Package + "\x00" + k })
	var out []Pair
	for _, k := range keys {
		e, s := en[k], es[k]
		out = appendTranslated(out, e.Short, s.Short)
		if len(e.Paragraphs) == len(s.Paragraphs) {
			for i := range e.Paragraphs {
				out = appendTranslated(out, e.Paragraphs[i], s.Paragraphs[i])
			}
		}
	}
	return out
}
