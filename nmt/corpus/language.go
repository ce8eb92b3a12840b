package corpus

import "strings"

// Language is what Guess decides a text is written in.
type Language int

const (
	Unknown Language = iota
	English
	Spanish
)

// Common function words of each language that the other does not use
// (words both spell alike, "a", "no", "me", are left out).
var (
	englishWords = words("the of and to is in that it for you was with on as are this be at have not by from or but what all were when we there can an your which their if do will would has been he she they his her my our who how about")
	spanishWords = words("el la los las de del que y en un una es por con para se su sus al lo como más pero ya está son muy también fue ha hay este esta esto eso ese le les nos yo tú él ella usted ellos qué cómo dónde cuando porque sin sobre entre hasta desde puede")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Guess tells English from Spanish by function words and by letters only
// Spanish writes (ñ, accented vowels, ¿, ¡). It answers Unknown when the
// text gives too little evidence either way: a name, a number, one word.
func Guess(s string) Language {
	en, es := 0, 0
	for _, w := range strings.Fields(strings.ToLower(s)) {
		w = strings.Trim(w, ".,;:!?¿¡\"'()[]«»“”")
		if englishWords[w] {
			en++
		}
		if spanishWords[w] {
			es++
		}
	}
	if strings.ContainsAny(s, "ñÑ¿¡áéíóúÁÉÍÓÚ") {
		es++
	}
	switch {
	case en >= 2 && en > 2*es:
		return English
	case es >= 2 && es > 2*en:
		return Spanish
	}
	return Unknown
}
