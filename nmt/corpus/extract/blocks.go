package extract

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// Block is the text of one block of a document: a paragraph, a heading, a
// list item, a table cell. ID is the id attribute of the innermost block
// element that has one ("" if none).
type Block struct {
	ID, Text string
}

// blockElements cut the text into blocks: each start or end tag of one
// ends the block before it. The text of skipElements is dropped (blocks
// of code or terminal output, scripts, the head), but they still end the
// block before them. Inline elements (span, em, code, gui) are part of the
// text around them.
var (
	blockElements = set("p h1 h2 h3 h4 h5 h6 li dt dd td th caption figcaption blockquote div section article table tr ul ol dl title desc subtitle item note pre screen head script style br")
	skipElements  = set("pre screen head script style")
)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// blockWriter gathers text into blocks as a document's tokens stream by.
type blockWriter struct {
	out   []Block
	text  strings.Builder
	ids   []string // id of each open block element ("" if none)
	skip  int      // depth inside skipElements
	names []string // open block elements, to match their end tags
}

func (w *blockWriter) flush() {
	t := strings.Join(strings.Fields(w.text.String()), " ")
	w.text.Reset()
	if t == "" {
		return
	}
	id := ""
	for i := len(w.ids) - 1; i >= 0 && id == ""; i-- {
		id = w.ids[i]
	}
	w.out = append(w.out, Block{ID: id, Text: t})
}

func (w *blockWriter) start(name, id string, selfClosing bool) {
	if !blockElements[name] {
		return
	}
	w.flush()
	if selfClosing || name == "br" {
		return
	}
	w.names = append(w.names, name)
	w.ids = append(w.ids, id)
	if skipElements[name] {
		w.skip++
	}
}

func (w *blockWriter) end(name string) {
	if !blockElements[name] {
		return
	}
	w.flush()
	// Close up to the matching start tag; an unmatched end tag is ignored.
	for i := len(w.names) - 1; i >= 0; i-- {
		if w.names[i] == name {
			for _, n := range w.names[i:] {
				if skipElements[n] {
					w.skip--
				}
			}
			w.names, w.ids = w.names[:i], w.ids[:i]
			return
		}
	}
}

// chars adds text inside a block element; text outside every block (the
// names and e-mail addresses of a Mallard page's credits) is dropped.
func (w *blockWriter) chars(s string) {
	if w.skip == 0 && len(w.names) > 0 {
		w.text.WriteString(s)
	}
}

// HTMLBlocks reads an HTML page into its blocks, in document order, with
// entities decoded and white space (no-break spaces too) collapsed. Bytes
// that are not UTF-8 are kept as they are, for the cleaner to count.
func HTMLBlocks(r io.Reader) ([]Block, error) {
	z := html.NewTokenizer(r)
	var w blockWriter
	for {
		switch z.Next() {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("html: %w", err)
			}
			w.flush()
			return w.out, nil
		case html.TextToken:
			w.chars(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			tt := z.Token()
			w.start(tt.Data, attr(tt.Attr, "id"), tt.Type == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			w.end(string(name))
		}
	}
}

func attr(as []html.Attribute, key string) string {
	for _, a := range as {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// XMLBlocks reads an XML document (a Mallard page, DocBook) into its
// blocks, like HTMLBlocks. Element names are matched without namespace.
func XMLBlocks(r io.Reader) ([]Block, error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	d.Entity = xml.HTMLEntity
	var w blockWriter
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			w.flush()
			return w.out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			id := ""
			for _, a := range t.Attr {
				if a.Name.Local == "id" {
					id = a.Value
				}
			}
			w.start(t.Name.Local, id, false)
		case xml.EndElement:
			w.end(t.Name.Local)
		case xml.CharData:
			w.chars(string(t))
		}
	}
}

// PairByID pairs the blocks of two versions of a page that carry the same
// id, in the order of en. Blocks without an id, ids either side has more
// than once and blocks left untranslated (the same text on both sides)
// are left out.
func PairByID(en, es []Block) []Pair {
	esText := map[string]string{}
	count := map[string]int{}
	for _, b := range es {
		if b.ID != "" {
			esText[b.ID] = b.Text
			count["es\x00"+b.ID]++
		}
	}
	for _, b := range en {
		count["en\x00"+b.ID]++
	}
	var out []Pair
	for _, b := range en {
		t, ok := esText[b.ID]
		if b.ID == "" || !ok || t == b.Text || count["en\x00"+b.ID] > 1 || count["es\x00"+b.ID] > 1 {
			continue
		}
		out = append(out, Pair{En: b.Text, Es: t})
	}
	return out
}

// PairByOrder pairs the i-th block of en with the i-th of es when both
// pages have the same number of blocks, and returns nil otherwise. Blocks
// left untranslated (the same text on both sides) are left out.
func PairByOrder(en, es []Block) []Pair {
	return appendRun(nil, en, es)
}

// appendTranslated appends the pair en, es unless the text was left
// untranslated.
func appendTranslated(out []Pair, en, es string) []Pair {
	if en == es {
		return out
	}
	return append(out, Pair{En: en, Es: es})
}
