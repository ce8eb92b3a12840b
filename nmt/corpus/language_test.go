package corpus

import "testing"

func TestGuess(t *testing.T) {
	tests := []struct {
		in   string
		want Language
	}{
		{"", Unknown},
		{"Acre", Unknown},
		{"42", Unknown},
		{"The cat is on the table.", English},
		{"What is your name?", English},
		{"El gato está en la mesa.", Spanish},
		{"¿Dónde está?", Spanish},
		{"¿Dónde está el tren?", Spanish},           // el, está, ¿
		{"Do\u0301nde esta\u0301 el tren", Unknown}, // NFD: Clean makes it NFC first
		{"THE CAT IS ON THE TABLE", English},
		{"the \"quoted\" (words) of the book", English},
		{"東京の天気", Unknown},
		{"مرحبا بالعالم", Unknown},
		{"😀 the 😀 of 😀", English},
		{"no me gusta", Unknown}, // words both languages spell alike are left out
	}
	for _, tt := range tests {
		if got := Guess(tt.in); got != tt.want {
			t.Errorf("Guess(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
