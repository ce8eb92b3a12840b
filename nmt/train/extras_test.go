package train

import (
	"testing"
	"unicode/utf8"
)

func TestTrimBibleExtras(t *testing.T) {
	cases := []struct {
		name       string
		in, want   Example
		wantChange bool
	}{
		{"title before a word in capitals",
			Example{"Ps", "Yahweh is my shepherd: I shall lack nothing.", "Salmo de David. JEHOVÁ es mi pastor; nada me faltará."},
			Example{"Ps", "Yahweh is my shepherd: I shall lack nothing.", "Jehová es mi pastor; nada me faltará."}, true},
		{"title with colons inside",
			Example{"Ps", "Answer me when I call.", "Al Músico principal: sobre Neginoth: Salmo de David. RESPÓNDEME cuando clamo."},
			Example{"Ps", "Answer me when I call.", "Respóndeme cuando clamo."}, true},
		{"an opening exclamation mark is kept",
			Example{"Ps", "Yahweh, how my adversaries have increased!", "Salmo de David, cuando huía. ¡ OH Jehová, cuánto se han multiplicado!"},
			Example{"Ps", "Yahweh, how my adversaries have increased!", "¡ Oh Jehová, cuánto se han multiplicado!"}, true},
		{"an opening a corpus builder lower-cased",
			Example{"Ps", "I will lift up my eyes to the hills.", "Cántico gradual. alzaré mis ojos á los montes."},
			Example{"Ps", "I will lift up my eyes to the hills.", "Alzaré mis ojos á los montes."}, true},
		{"a lower-case word after a colon is still the title",
			Example{"Ps", "Yahweh, my heart isn’t arrogant.", "Cántico gradual: de David. JEHOVÁ, no se ha envanecido mi corazón."},
			Example{"Ps", "Yahweh, my heart isn’t arrogant.", "Jehová, no se ha envanecido mi corazón."}, true},
		{"the Spanish on the source side",
			Example{"Ps", "Salmo de David. JEHOVÁ es mi pastor.", "Yahweh is my shepherd."},
			Example{"Ps", "Jehová es mi pastor.", "Yahweh is my shepherd."}, true},
		{"no title",
			Example{"Ps", "Praise Yah! Praise Yahweh.", "Aleluya. alabad á Jehová."},
			Example{"Ps", "Praise Yah! Praise Yahweh.", "Aleluya. alabad á Jehová."}, false},
		{"a title head that opens a verse of another book",
			Example{"Luke", "Prayer is made.", "Oración de David. JEHOVÁ oye."},
			Example{"Luke", "Prayer is made.", "Oración de David. JEHOVÁ oye."}, false},
		{"a title head with no opening after it",
			Example{"Ps", "Sing to Yahweh.", "Cantad á Jehová. Para siempre es su misericordia."},
			Example{"Ps", "Sing to Yahweh.", "Cantad á Jehová. Para siempre es su misericordia."}, false},
		{"a subscription after Amén",
			Example{"Eph", "Grace be with all those who love our Lord. Amen.", "Gracia sea con todos. Amén. Escrita de Roma á los Efesios por Tichîco."},
			Example{"Eph", "Grace be with all those who love our Lord. Amen.", "Gracia sea con todos. Amén."}, true},
		{"Amen inside closing quotes",
			Example{"Rom", "to him be the glory forever! Amen.”", "á él sea gloria. Amén. Enviada de Corinto."},
			Example{"Rom", "to him be the glory forever! Amen.”", "á él sea gloria. Amén."}, true},
		{"both sides go on after Amen",
			Example{"Rev", "Amen. Come, Lord Jesus.", "Amén. Ven, Señor Jesús."},
			Example{"Rev", "Amen. Come, Lord Jesus.", "Amén. Ven, Señor Jesús."}, false},
		{"no Amen on the other side",
			Example{"Heb", "Grace be with you all.", "La gracia sea con todos vosotros. Amén. Fué escrita á los Hebreos."},
			Example{"Heb", "Grace be with you all.", "La gracia sea con todos vosotros. Amén. Fué escrita á los Hebreos."}, false},
	}
	for _, tc := range cases {
		ex := []Example{tc.in}
		n := TrimBibleExtras(ex)
		if ex[0] != tc.want || (n == 1) != tc.wantChange {
			t.Errorf("%s: got %+v (%d changed), want %+v", tc.name, ex[0], n, tc.want)
		}
	}
}

func FuzzTrimBibleExtras(f *testing.F) {
	f.Add("Ps", "Yahweh is my shepherd.", "Salmo de David. JEHOVÁ es mi pastor.")
	f.Add("Ps", "Salmo. ¡ İ", "x Amen.")
	f.Add("Eph", "Amen.”", "Amén. Escrita de Roma.")
	f.Fuzz(func(t *testing.T, book, src, tgt string) {
		ex := []Example{{book, src, tgt}}
		TrimBibleExtras(ex)
		if utf8.ValidString(src) && utf8.ValidString(tgt) && (!utf8.ValidString(ex[0].Source) || !utf8.ValidString(ex[0].Target)) {
			t.Fatalf("%q, %q became invalid UTF-8: %q, %q", src, tgt, ex[0].Source, ex[0].Target)
		}
	})
}
