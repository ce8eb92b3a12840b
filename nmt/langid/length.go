package langid

import "strings"

// LengthClasses name the classes of text length, by whitespace-separated
// words, in which accuracy is measured (docs/langid.md): short texts give
// an identifier little to go on.
var LengthClasses = []string{"1–3", "4–6", "7+"}

// LengthClass returns the length class of a text (one of LengthClasses).
func LengthClass(text string) string {
	switch n := len(strings.Fields(text)); {
	case n <= 3:
		return LengthClasses[0]
	case n <= 6:
		return LengthClasses[1]
	}
	return LengthClasses[2]
}
