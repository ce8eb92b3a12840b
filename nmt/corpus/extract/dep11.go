package extract

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// dep11Component holds the fields of a DEP-11 component that carry text.
type dep11Component struct {
	ID          string            `yaml:"ID"`
	Name        map[string]string `yaml:"Name"`
	Summary     map[string]string `yaml:"Summary"`
	Description map[string]string `yaml:"Description"`
}

// DEP11Pairs reads DEP-11 AppStream metadata (Components-amd64.yml, a
// stream of YAML documents) and pairs, for every component that has them
// in both, the untranslated ("C") and Spanish ("es") name and summary,
// and the blocks of the description (paragraphs and list items, paired in
// order when both have as many). Text left untranslated (the same on both
// sides) is left out.
func DEP11Pairs(r io.Reader) ([]Pair, error) {
	dec := yaml.NewDecoder(r)
	var out []Pair
	for n := 1; ; n++ {
		var c dep11Component
		err := dec.Decode(&c)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("dep11 document %d: %w", n, err)
		}
		for _, f := range []map[string]string{c.Name, c.Summary} {
			if en, es := strings.TrimSpace(f["C"]), strings.TrimSpace(f["es"]); en != "" && es != "" {
				out = appendTranslated(out, en, es)
			}
		}
		en, es := c.Description["C"], c.Description["es"]
		if en == "" || es == "" {
			continue
		}
		be, err := HTMLBlocks(strings.NewReader(en))
		if err != nil {
			return nil, fmt.Errorf("dep11 %s: %w", c.ID, err)
		}
		bs, err := HTMLBlocks(strings.NewReader(es))
		if err != nil {
			return nil, fmt.Errorf("dep11 %s: %w", c.ID, err)
		}
		out = append(out, PairByOrder(be, bs)...)
	}
}
