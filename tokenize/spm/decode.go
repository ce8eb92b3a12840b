package spm

import (
	"strings"
	"unicode/utf8"
)

// Decode turns ids back into text as the reference's decoder does: "▁"
// becomes a space, the leading space that the dummy prefix put there is
// dropped, control pieces vanish, runs of byte pieces are reassembled into
// UTF-8 (a byte that is not part of a valid character reads as U+FFFD),
// and the unknown piece reads as " ⁇ " (the model's unk_surface). Ids out
// of range are skipped.
func (m *Model) Decode(ids []int) string {
	pieces := make([]string, 0, len(ids))
	for _, id := range ids {
		if id >= 0 && id < len(m.pieces) {
			pieces = append(pieces, m.pieces[id].piece)
		}
	}
	return m.DecodePieces(pieces)
}

// DecodePieces is Decode for pieces given as strings. A string that is not
// a piece of the model is copied through as it is.
func (m *Model) DecodePieces(pieces []string) string {
	var text strings.Builder
	var pending []byte // consecutive byte pieces not yet written
	atStart := true    // no visible text yet: a leading "▁" is the dummy prefix
	strippedWS := false
	for _, p := range pieces {
		id := m.pieceID(p)
		if m.IsByte(id) {
			if v, ok := pieceByte(p); ok {
				pending = append(pending, v)
			}
			continue
		}
		writeBytes(&text, pending)
		pending = pending[:0]
		if strippedWS || text.Len() > 0 {
			atStart = false
		}
		var s string
		s, strippedWS = m.decodePiece(p, id, atStart)
		text.WriteString(s)
	}
	writeBytes(&text, pending)
	if m.denorm != nil {
		return m.denorm.normalize(text.String()).text
	}
	return text.String()
}

// decodePiece returns the surface of one piece and whether it consumed the
// dummy-prefix space. While nothing visible has been written, a leading "▁"
// is dropped when the model adds a dummy prefix or removes extra
// whitespace; with remove_extra_whitespaces every such leading "▁" goes,
// otherwise only the first.
func (m *Model) decodePiece(p string, id int, atStart bool) (string, bool) {
	switch {
	case m.IsControl(id):
		return "", false
	case m.IsUnknown(id):
		if p == m.pieces[id].piece {
			return m.unkSurface, false
		}
		return p, false
	}
	stripped := false
	spec := m.norm.spec
	if atStart && (spec.addDummyPrefix || spec.removeExtraWhitespaces) {
		p, stripped = strings.CutPrefix(p, spaceSymbol)
		if spec.removeExtraWhitespaces {
			stripped = false
		}
	}
	return strings.ReplaceAll(p, spaceSymbol, " "), stripped
}

// writeBytes writes the bytes of a run of byte pieces, one character at a
// time; a byte that does not start a valid character becomes U+FFFD.
func writeBytes(w *strings.Builder, b []byte) {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			w.WriteString("\uFFFD")
			b = b[1:]
			continue
		}
		w.Write(b[:size])
		b = b[size:]
	}
}
