package gateway

import (
	"context"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// LibreTranslate's format "html": the text of a document is translated
// and its markup kept. Each text node is translated on its own, its
// surrounding white space kept; the text of script, style, code, pre,
// textarea and of elements marked translate="no" (or class notranslate)
// is left as it is, and so are attributes. A sentence cut by an inline
// element ("Hello <b>world</b>!") is translated piece by piece.

// htmlDoc is a parsed HTML text and the text nodes to translate.
type htmlDoc struct {
	nodes []*html.Node // the fragment's top-level nodes, or the document
	texts []*html.Node
}

// keepText are the elements whose text is not prose.
var keepText = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Code: true, atom.Pre: true,
	atom.Textarea: true, atom.Kbd: true, atom.Samp: true, atom.Var: true}

// parseHTML parses s as a whole document when it starts as one (a
// doctype or an html element), else as a fragment of a body. The HTML
// parser accepts any input, as browsers do.
func parseHTML(s string) (*htmlDoc, error) {
	d := &htmlDoc{}
	head := strings.ToLower(strings.TrimSpace(s))
	if strings.HasPrefix(head, "<!doctype") || strings.HasPrefix(head, "<html") {
		doc, err := html.Parse(strings.NewReader(s))
		if err != nil {
			return nil, err
		}
		d.nodes = []*html.Node{doc}
	} else {
		body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
		nodes, err := html.ParseFragment(strings.NewReader(s), body)
		if err != nil {
			return nil, err
		}
		d.nodes = nodes
	}
	for _, n := range d.nodes {
		d.collect(n)
	}
	return d, nil
}

// collect gathers the text nodes under n that hold a letter.
func (d *htmlDoc) collect(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		if strings.IndexFunc(n.Data, unicode.IsLetter) >= 0 {
			d.texts = append(d.texts, n)
		}
		return
	case html.ElementNode:
		if keepText[n.DataAtom] || untranslatable(n) {
			return
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d.collect(c)
	}
}

// untranslatable reports an element marked translate="no" or with class
// notranslate.
func untranslatable(n *html.Node) bool {
	for _, a := range n.Attr {
		switch {
		case a.Key == "translate" && strings.EqualFold(strings.TrimSpace(a.Val), "no"):
			return true
		case a.Key == "class" && fieldsContain(a.Val, "notranslate"):
			return true
		}
	}
	return false
}

func fieldsContain(list, word string) bool {
	for _, f := range strings.Fields(list) {
		if f == word {
			return true
		}
	}
	return false
}

// htmlText is the translatable text of an HTML text, for language
// detection.
func htmlText(s string) string {
	d, err := parseHTML(s)
	if err != nil {
		return s
	}
	return strings.Join(d.pieces(), "\n")
}

// pieces returns the text of every text node, white space trimmed.
func (d *htmlDoc) pieces() []string {
	out := make([]string, len(d.texts))
	for i, n := range d.texts {
		out[i] = strings.TrimSpace(n.Data)
	}
	return out
}

// render writes the document back with translated[i] in place of text
// node i, between the node's own leading and trailing white space.
func (d *htmlDoc) render(translated []string) (string, error) {
	for i, n := range d.texts {
		trimmed := strings.TrimLeftFunc(n.Data, unicode.IsSpace)
		lead := n.Data[:len(n.Data)-len(trimmed)]
		core := strings.TrimRightFunc(trimmed, unicode.IsSpace)
		n.Data = lead + translated[i] + trimmed[len(core):]
	}
	var b strings.Builder
	for _, n := range d.nodes {
		if err := html.Render(&b, n); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// translateHTML translates HTML texts: the text nodes of all of them, at
// most maxTexts to a call. It offers no alternatives.
func (l *libre) translateHTML(ctx context.Context, src, tgt string, texts []string, _ int) ([]string, [][]string, error) {
	docs := make([]*htmlDoc, len(texts))
	var pieces []string
	for i, t := range texts {
		d, err := parseHTML(t)
		if err != nil {
			return nil, nil, badRequest("Invalid request: q[%d] is not HTML: %v", i, err)
		}
		docs[i], pieces = d, append(pieces, d.pieces()...)
	}
	translated := make([]string, 0, len(pieces))
	for lo := 0; lo < len(pieces); lo += l.maxTexts {
		got, _, err := l.translatePlain(ctx, src, tgt, pieces[lo:min(lo+l.maxTexts, len(pieces))], 0)
		if err != nil {
			return nil, nil, err
		}
		translated = append(translated, got...)
	}
	out := make([]string, len(texts))
	alts := make([][]string, len(texts))
	for i, d := range docs {
		var err error
		if out[i], err = d.render(translated[:len(d.texts)]); err != nil {
			return nil, nil, err
		}
		translated, alts[i] = translated[len(d.texts):], []string{}
	}
	return out, alts, nil
}
