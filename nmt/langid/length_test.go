package langid

import "testing"

func TestLengthClass(t *testing.T) {
	tests := map[string]string{
		"":                          "1–3",
		"¿Qué?":                     "1–3",
		"one two\tthree":            "1–3",
		"uno  dos\u00a0tres cuatro": "4–6",
		"a b c d e f":               "4–6",
		"日本語 は 難しい です が 面白い です": "7+",
	}
	for text, want := range tests {
		if got := LengthClass(text); got != want {
			t.Errorf("LengthClass(%q) = %q, want %q", text, got, want)
		}
	}
}
