package align

import (
	"fmt"
	"strconv"
	"strings"
)

// Selector says which cross-attention heads make an alignment and how they
// combine. Its text form (ParseSelector, String) is a comma-separated list:
//
//	avg                     mean of every head of every layer
//	layer=L                 mean of the heads of layer L
//	layer=L,head=H          head H of layer L alone
//	heads=L:H+L:H+...       mean of the listed heads
//
// optionally followed by ",shift": use, for target token t, the attention
// of the step that reads t as decoder input (the step after the one that
// predicted it), which often aligns better. Layers and heads count from 0;
// a negative number counts from the end (layer=-1 is the last layer).
// Spaces around items are ignored. The zero Selector is "avg".
type Selector struct {
	kind  selectorKind
	layer int
	head  int
	heads []HeadRef
	shift bool
}

// HeadRef names one head of one layer.
type HeadRef struct{ Layer, Head int }

type selectorKind uint8

const (
	selectAll selectorKind = iota
	selectLayer
	selectHead
	selectHeads
)

// maxIndex bounds layer and head numbers in a selector string.
const maxIndex = 9999

// AllHeads selects the mean of every head of every layer ("avg").
func AllHeads() Selector { return Selector{} }

// LayerMean selects the mean of the heads of one layer ("layer=L").
func LayerMean(layer int) Selector { return Selector{kind: selectLayer, layer: layer} }

// OneHead selects one head ("layer=L,head=H").
func OneHead(layer, head int) Selector { return Selector{kind: selectHead, layer: layer, head: head} }

// HeadMean selects the mean of the given heads ("heads=L:H+...").
// It panics when refs is empty (a programmer error).
func HeadMean(refs ...HeadRef) Selector {
	if len(refs) == 0 {
		panic("align: HeadMean needs at least one head")
	}
	return Selector{kind: selectHeads, heads: append([]HeadRef(nil), refs...)}
}

// WithShift returns s using (shift true) or not using the shifted step.
func (s Selector) WithShift(shift bool) Selector { s.shift = shift; return s }

// Shift reports whether s reads the attention of the step after each token.
func (s Selector) Shift() bool { return s.shift }

// String returns the canonical text form; ParseSelector(s.String()) == s.
func (s Selector) String() string {
	var b strings.Builder
	switch s.kind {
	case selectAll:
		b.WriteString("avg")
	case selectLayer:
		fmt.Fprintf(&b, "layer=%d", s.layer)
	case selectHead:
		fmt.Fprintf(&b, "layer=%d,head=%d", s.layer, s.head)
	case selectHeads:
		b.WriteString("heads=")
		for i, h := range s.heads {
			if i > 0 {
				b.WriteByte('+')
			}
			fmt.Fprintf(&b, "%d:%d", h.Layer, h.Head)
		}
	}
	if s.shift {
		b.WriteString(",shift")
	}
	return b.String()
}

// MarshalText implements encoding.TextMarshaler.
func (s Selector) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (so a Selector can be a
// flag.TextVar).
func (s *Selector) UnmarshalText(text []byte) error {
	p, err := ParseSelector(string(text))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// ParseSelector parses the text form described on Selector. The empty
// string is the zero Selector ("avg").
func ParseSelector(text string) (Selector, error) {
	var s Selector
	if strings.TrimSpace(text) == "" {
		return s, nil
	}
	seen := map[string]bool{}
	var hasLayer, hasHead bool
	for _, item := range strings.Split(text, ",") {
		item = strings.TrimSpace(item)
		key, value, hasValue := strings.Cut(item, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if item == "" {
			return Selector{}, fmt.Errorf("align: selector %q has an empty item", text)
		}
		if seen[key] {
			return Selector{}, fmt.Errorf("align: selector %q names %q twice", text, key)
		}
		seen[key] = true
		switch key {
		case "avg", "shift":
			if hasValue {
				return Selector{}, fmt.Errorf("align: selector %q: %q takes no value", text, key)
			}
			s.shift = s.shift || key == "shift"
		case "layer", "head":
			n, err := parseIndex(value)
			if err != nil {
				return Selector{}, fmt.Errorf("align: selector %q: %s: %v", text, key, err)
			}
			if key == "layer" {
				s.layer, hasLayer = n, true
			} else {
				s.head, hasHead = n, true
			}
		case "heads":
			refs, err := parseHeadList(value)
			if err != nil {
				return Selector{}, fmt.Errorf("align: selector %q: heads: %v", text, err)
			}
			s.heads = refs
		default:
			return Selector{}, fmt.Errorf("align: selector %q: unknown item %q (want avg, layer=L, head=H, heads=L:H+..., shift)", text, key)
		}
	}
	switch {
	case seen["avg"] && (hasLayer || hasHead || seen["heads"]):
		return Selector{}, fmt.Errorf("align: selector %q: avg cannot be combined with layer, head or heads", text)
	case seen["heads"] && (hasLayer || hasHead):
		return Selector{}, fmt.Errorf("align: selector %q: heads cannot be combined with layer or head", text)
	case hasHead && !hasLayer:
		return Selector{}, fmt.Errorf("align: selector %q: head=%d needs layer=L", text, s.head)
	case seen["heads"]:
		s.kind = selectHeads
	case hasHead:
		s.kind = selectHead
	case hasLayer:
		s.kind = selectLayer
	}
	return s, nil
}

func parseIndex(v string) (int, error) {
	if v == "" {
		return 0, fmt.Errorf("missing number")
	}
	digits := strings.TrimPrefix(v, "-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not an integer", v)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n > maxIndex || n < -maxIndex {
		return 0, fmt.Errorf("%q is out of range (|n| ≤ %d)", v, maxIndex)
	}
	return n, nil
}

func parseHeadList(v string) ([]HeadRef, error) {
	if v == "" {
		return nil, fmt.Errorf("empty list (want L:H+L:H...)")
	}
	var refs []HeadRef
	seen := map[HeadRef]bool{}
	for _, part := range strings.Split(v, "+") {
		part = strings.TrimSpace(part)
		ls, hs, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("%q is not LAYER:HEAD", part)
		}
		l, err := parseIndex(strings.TrimSpace(ls))
		if err != nil {
			return nil, fmt.Errorf("layer of %q: %v", part, err)
		}
		h, err := parseIndex(strings.TrimSpace(hs))
		if err != nil {
			return nil, fmt.Errorf("head of %q: %v", part, err)
		}
		r := HeadRef{l, h}
		if seen[r] {
			return nil, fmt.Errorf("head %d:%d listed twice", l, h)
		}
		seen[r] = true
		refs = append(refs, r)
	}
	return refs, nil
}

// Validate checks s against a model with the given numbers of decoder
// layers and cross-attention heads per layer.
func (s Selector) Validate(layers, heads int) error {
	if layers <= 0 || heads <= 0 {
		return fmt.Errorf("align: selector %s: the model reports %d layers and %d heads", s, layers, heads)
	}
	_, err := s.resolve(layers, heads)
	return err
}

// resolve returns the (layer, head) pairs s averages, with negative
// numbers turned into positions from the end.
func (s Selector) resolve(layers, heads int) ([]HeadRef, error) {
	var refs []HeadRef
	switch s.kind {
	case selectAll:
		for l := range layers {
			for h := range heads {
				refs = append(refs, HeadRef{l, h})
			}
		}
		return refs, nil
	case selectLayer, selectHead:
		l, err := absIndex(s.layer, layers, "layer")
		if err != nil {
			return nil, fmt.Errorf("align: selector %s: %v", s, err)
		}
		if s.kind == selectHead {
			h, err := absIndex(s.head, heads, "head")
			if err != nil {
				return nil, fmt.Errorf("align: selector %s: %v", s, err)
			}
			return []HeadRef{{l, h}}, nil
		}
		for h := range heads {
			refs = append(refs, HeadRef{l, h})
		}
		return refs, nil
	}
	seen := map[HeadRef]bool{}
	for _, r := range s.heads {
		l, err := absIndex(r.Layer, layers, "layer")
		if err != nil {
			return nil, fmt.Errorf("align: selector %s: %v", s, err)
		}
		h, err := absIndex(r.Head, heads, "head")
		if err != nil {
			return nil, fmt.Errorf("align: selector %s: %v", s, err)
		}
		if seen[HeadRef{l, h}] {
			return nil, fmt.Errorf("align: selector %s: head %d:%d is listed twice", s, l, h)
		}
		seen[HeadRef{l, h}] = true
		refs = append(refs, HeadRef{l, h})
	}
	return refs, nil
}

func absIndex(i, n int, what string) (int, error) {
	j := i
	if i < 0 {
		j = n + i
	}
	if j < 0 || j >= n {
		return 0, fmt.Errorf("%s %d out of range: the model has %d %ss (0..%d, or -%d..-1 from the end)", what, i, n, what, n-1, n)
	}
	return j, nil
}
