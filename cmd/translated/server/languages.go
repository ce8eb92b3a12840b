package main

import (
	"strings"

	"google.golang.org/protobuf/proto"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// addLanguagePairs lets a multi-target model (an OPUS-MT model such as
// en-ROMANCE, whose vocabulary holds ">>es<<", ">>fr<<", ...) serve each of
// its pairs under the usual name: en-es, en-fr, ... A request for such a
// pair runs the model with that language's token. A pair that a model
// directory already serves keeps that model, and when several
// multi-target models offer a pair, the first by name serves it. Requests
// naming the multi-target model itself (en-ROMANCE) must then say nothing
// more, and are refused with the list of its languages.
func addLanguagePairs(ms models) {
	for _, name := range ms.names() { // sorted

		m := ms[name]
		source, _, _ := strings.Cut(name, "-")
		for _, lang := range m.languages {
			pair := source + "-" + lang
			if _, taken := ms[pair]; taken {
				continue
			}
			alias := *m
			alias.name, alias.targetLanguage, alias.languages = pair, lang, nil
			if m.info != nil {
				alias.info = proto.Clone(m.info).(*translatev1.Model)
				alias.info.Name, alias.info.TargetLanguage = pair, lang
			}
			ms[pair] = &alias
		}
	}
}
