package extract

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Message is one entry of a gettext catalog. A plural entry has Plural set
// and one translation per plural form.
type Message struct {
	Context      string // msgctxt, "" when none
	ID, Plural   string // msgid, msgid_plural
	Translations []string
}

const (
	moMagic    = 0x950412de
	moHeaderSz = 28
)

// ParseMO reads a compiled gettext catalog (.mo) in either byte order.
// The header entry (empty msgid) is returned like any other.
func ParseMO(data []byte) ([]Message, error) {
	if len(data) < moHeaderSz {
		return nil, fmt.Errorf("mo: %d bytes, shorter than the %d-byte header", len(data), moHeaderSz)
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(data) == moMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(data) == moMagic:
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("mo: bad magic number %#x", binary.LittleEndian.Uint32(data))
	}
	if rev := order.Uint32(data[4:]) >> 16; rev > 1 {
		return nil, fmt.Errorf("mo: unknown major revision %d", rev)
	}
	n := int(order.Uint32(data[8:]))
	origs, trans := order.Uint32(data[12:]), order.Uint32(data[16:])
	msgs := make([]Message, 0, min(n, len(data)/16))
	for i := 0; i < n; i++ {
		orig, err := moString(data, order, origs, i)
		if err != nil {
			return nil, fmt.Errorf("mo: original %d: %w", i, err)
		}
		tr, err := moString(data, order, trans, i)
		if err != nil {
			return nil, fmt.Errorf("mo: translation %d: %w", i, err)
		}
		var m Message
		if ctx, id, ok := strings.Cut(orig, "\x04"); ok {
			m.Context, orig = ctx, id
		}
		m.ID, m.Plural, _ = strings.Cut(orig, "\x00")
		m.Translations = strings.Split(tr, "\x00")
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// moString reads the i-th (length, offset) descriptor of the table at
// table and returns the string it points to.
func moString(data []byte, order binary.ByteOrder, table uint32, i int) (string, error) {
	at := uint64(table) + 8*uint64(i)
	if at+8 > uint64(len(data)) {
		return "", fmt.Errorf("descriptor at %d is past the end (%d bytes)", at, len(data))
	}
	length, off := uint64(order.Uint32(data[at:])), uint64(order.Uint32(data[at+4:]))
	if off+length > uint64(len(data)) {
		return "", fmt.Errorf("string [%d, %d) is past the end (%d bytes)", off, off+length, len(data))
	}
	return string(data[off : off+length]), nil
}

// MOPairs turns a catalog whose msgids are English and whose msgstrs are
// Spanish into pairs: msgid → first msgstr, for every entry with a
// non-empty translation (the header entry and untranslated ones are left
// out). A plural entry gives its singular.
func MOPairs(msgs []Message) []Pair {
	var out []Pair
	for _, m := range msgs {
		if m.ID == "" || len(m.Translations) == 0 || m.Translations[0] == "" {
			continue
		}
		out = append(out, Pair{En: m.ID, Es: m.Translations[0]})
	}
	return out
}

// WriteMO encodes messages as a little-endian .mo catalog (without a hash
// table, which readers do not need). It exists for tests and fixtures.
func WriteMO(msgs []Message) []byte {
	origs := make([]string, len(msgs))
	trans := make([]string, len(msgs))
	for i, m := range msgs {
		o := m.ID
		if m.Plural != "" {
			o += "\x00" + m.Plural
		}
		if m.Context != "" {
			o = m.Context + "\x04" + o
		}
		origs[i], trans[i] = o, strings.Join(m.Translations, "\x00")
	}
	n := len(msgs)
	origTable := moHeaderSz
	transTable := origTable + 8*n
	strs := transTable + 8*n
	out := make([]byte, strs)
	le := binary.LittleEndian
	for i, v := range []uint32{moMagic, 0, uint32(n), uint32(origTable), uint32(transTable), 0, uint32(strs)} {
		le.PutUint32(out[4*i:], v)
	}
	put := func(table, i int, s string) {
		le.PutUint32(out[table+8*i:], uint32(len(s)))
		le.PutUint32(out[table+8*i+4:], uint32(len(out)))
		out = append(out, s...)
		out = append(out, 0)
	}
	for i := range msgs {
		put(origTable, i, origs[i])
	}
	for i := range msgs {
		put(transTable, i, trans[i])
	}
	return out
}
