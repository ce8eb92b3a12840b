package server

// addLanguagePairs lets a multi-target model (an OPUS-MT model such as
// en-ROMANCE, whose vocabulary holds ">>es<<", ">>fr<<", ...) serve each of
// its pairs that no model directory serves, under the pair's name: en-fr,
// en-it, ... A request for such a pair runs the model with that
// language's token. When several multi-target models offer a pair, the
// first by name serves it. Requests for the multi-target model's own pair
// (en-ROMANCE) must then say nothing more, and are refused with the list
// of its languages.
func (ms *Models) addLanguagePairs() {
	for _, name := range ms.Names() { // sorted
		m := ms.byName[name]
		if m.targetLanguage != "" {
			continue
		}
		for _, lang := range m.languages {
			alias := *m
			alias.name, alias.target, alias.targetLanguage, alias.languages, alias.info = m.source+"-"+lang, lang, lang, nil, nil
			if _, taken := ms.defaults[alias.pair()]; taken {
				continue
			}
			if m.info != nil {
				alias.info = cloneInfo(m.info)
			}
			ms.byName[alias.name] = &alias
			ms.defaults[alias.pair()] = &alias
		}
	}
}
