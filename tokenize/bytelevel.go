package tokenize

import (
	"strings"
	"unicode/utf8"
)

// The byte-level alphabet: every byte 0..255 is written as one printable
// rune so that a vocabulary entry is an ordinary string. Printable Latin-1
// bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68
// bytes (controls, the space, DEL, the C1 range, NBSP and the soft hyphen)
// take the runes U+0100, U+0101, ... in byte order. This is the table of the
// GPT-2 and RoBERTa tokenizers, so the space is 'Ġ' (U+0120) and the
// newline 'Ċ' (U+010A).
var (
	byteRune   [256]rune      // byte → its rune
	byteSymbol [256]string    // byte → its rune as a string
	runeByte   map[rune]uint8 // rune → its byte, for decoding
)

// spaceMarker is the byte-level symbol of the space byte.
const spaceMarker = "Ġ"

func init() {
	runeByte = make(map[rune]uint8, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !isPrintableByte(b) {
			r = next
			next++
		}
		byteRune[b] = r
		byteSymbol[b] = string(r)
		runeByte[r] = uint8(b)
	}
}

func isPrintableByte(b int) bool {
	return ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF)
}

// toByteLevel writes every byte of s as its byte-level rune.
func toByteLevel(s string) string {
	var sb strings.Builder
	sb.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		sb.WriteRune(byteRune[s[i]])
	}
	return sb.String()
}

// fromByteLevel appends to dst the bytes that the byte-level string piece
// stands for. A rune outside the alphabet (an added token such as "<mask>"
// in a foreign vocabulary) is copied as its own UTF-8.
func fromByteLevel(dst []byte, piece string) []byte {
	for _, r := range piece {
		if b, ok := runeByte[r]; ok {
			dst = append(dst, b)
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}
