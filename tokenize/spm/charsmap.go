package spm

import (
	"encoding/binary"
	"errors"
	"strings"
)

// charsMap is a model's precompiled normalization rules: a darts-clone
// double-array trie whose keys are the UTF-8 sequences to rewrite and
// whose values are offsets of NUL-terminated replacements in a string blob.
//
// Blob layout (little-endian): uint32 trie size in bytes, the trie (an
// array of uint32 units), then the replacement strings.
//
// A unit packs, from the low bit: an 8-bit label, a has-leaf flag (bit 8),
// an offset-scale flag (bit 9) and the offset to the children (bits 10-31,
// shifted left by 8 when bit 9 is set). A leaf unit has bit 31 set and its
// low 31 bits hold the value.
type charsMap struct {
	units       []uint32
	replacement string
}

// maxRules bounds the number of rules a single prefix may match, as the
// reference implementation does (it keeps the first 32).
const maxRules = 32

func parseCharsMap(blob []byte) (*charsMap, error) {
	if len(blob) <= 4 {
		return nil, errors.New("precompiled_charsmap is shorter than its 4-byte header")
	}
	size := binary.LittleEndian.Uint32(blob)
	if uint64(size) >= uint64(len(blob)) {
		return nil, errors.New("precompiled_charsmap: trie size runs past the end of the blob")
	}
	blob = blob[4:]
	c := &charsMap{units: make([]uint32, size/4), replacement: string(blob[size:])}
	for i := range c.units {
		c.units[i] = binary.LittleEndian.Uint32(blob[4*i:])
	}
	if len(c.units) == 0 {
		return nil, errors.New("precompiled_charsmap: empty trie")
	}
	return c, nil
}

func unitLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func unitHasLeaf(u uint32) bool  { return u>>8&1 == 1 }
func unitValue(u uint32) uint32  { return u & (1<<31 - 1) }
func unitOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// longestMatch finds the longest key that is a prefix of s (only the first
// maxRules matches count) and returns its length and its replacement. n is
// 0 when no key matches. A corrupt trie ends the search instead of reading
// out of bounds.
func (c *charsMap) longestMatch(s string) (n int, repl string) {
	units := c.units
	pos := unitOffset(units[0])
	found := 0
	for i := 0; i < len(s); i++ {
		pos ^= uint32(s[i])
		if int(pos) >= len(units) {
			break
		}
		u := units[pos]
		if unitLabel(u) != uint32(s[i]) {
			break
		}
		pos ^= unitOffset(u)
		if !unitHasLeaf(u) {
			continue
		}
		if int(pos) >= len(units) {
			break
		}
		if found < maxRules && i+1 > n {
			n, repl = i+1, c.stringAt(unitValue(units[pos]))
		}
		found++
	}
	return n, repl
}

// stringAt returns the NUL-terminated replacement at offset off (the end of
// the blob also ends a string).
func (c *charsMap) stringAt(off uint32) string {
	if int64(off) >= int64(len(c.replacement)) {
		return ""
	}
	s := c.replacement[off:]
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}
