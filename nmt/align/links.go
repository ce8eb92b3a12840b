package align

import "fmt"

// Symmetrization combines two directional link sets into one. The zero
// value is GrowDiagFinalAnd.
type Symmetrization uint8

const (
	// GrowDiagFinalAnd starts from the intersection, grows it with links of
	// the union next to a link (diagonals included) that align a word not
	// yet aligned, then adds union links whose two words are both still
	// unaligned (Koehn et al. 2003, "grow-diag-final-and").
	GrowDiagFinalAnd Symmetrization = iota
	// Intersection keeps the links both directions agree on: high precision.
	Intersection
	// GrowDiag is GrowDiagFinalAnd without the final step.
	GrowDiag
	// GrowDiagFinal is GrowDiag followed by adding union links of which at
	// least one word is still unaligned.
	GrowDiagFinal
	// Union keeps every link of either direction: high recall.
	Union
)

var symmetrizationNames = []string{"grow-diag-final-and", "intersection", "grow-diag", "grow-diag-final", "union"}

// String returns the name ParseSymmetrization accepts.
func (s Symmetrization) String() string {
	if int(s) < len(symmetrizationNames) {
		return symmetrizationNames[s]
	}
	return fmt.Sprintf("Symmetrization(%d)", s)
}

// ParseSymmetrization parses "intersection", "grow-diag",
// "grow-diag-final", "grow-diag-final-and" or "union".
func ParseSymmetrization(name string) (Symmetrization, error) {
	for i, n := range symmetrizationNames {
		if n == name {
			return Symmetrization(i), nil
		}
	}
	return 0, fmt.Errorf("align: unknown symmetrization %q (want intersection, grow-diag, grow-diag-final, grow-diag-final-and or union)", name)
}

// MarshalText implements encoding.TextMarshaler.
func (s Symmetrization) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Symmetrization) UnmarshalText(text []byte) error {
	p, err := ParseSymmetrization(string(text))
	if err == nil {
		*s = p
	}
	return err
}

// ArgmaxLinks reads the two directions off a word matrix [target words ×
// source words]: targetSide links every target word to its highest-weight
// source word (the row's argmax), sourceSide every source word to its
// highest-weight target word (the column's argmax). Rows or columns that
// are all zero give no link; ties go to the lowest index.
func ArgmaxLinks(w Matrix) (sourceSide, targetSide []Link) {
	for j := range w.Rows {
		if best := argmax(w.Row(j)); best >= 0 {
			targetSide = append(targetSide, Link{Source: best, Target: j})
		}
	}
	for i := range w.Cols {
		best, bestV := -1, float32(0)
		for j := range w.Rows {
			if v := w.At(j, i); v > bestV {
				best, bestV = j, v
			}
		}
		if best >= 0 {
			sourceSide = append(sourceSide, Link{Source: i, Target: best})
		}
	}
	return sourceSide, targetSide
}

// HardLinks turns a word matrix into hard links: the argmax links of both
// directions (ArgmaxLinks), combined by method.
func HardLinks(w Matrix, method Symmetrization) []Link {
	s, t := ArgmaxLinks(w)
	return Symmetrize(s, t, w.Cols, w.Rows, method)
}

// Symmetrize combines two directional link sets over nSource × nTarget
// words. Links outside that grid are ignored. The result is sorted by
// source then target word.
func Symmetrize(a, b []Link, nSource, nTarget int, method Symmetrization) []Link {
	g := newLinkGrid(nSource, nTarget)
	inA, inB := newLinkGrid(nSource, nTarget), newLinkGrid(nSource, nTarget)
	for _, l := range a {
		inA.set(l)
	}
	for _, l := range b {
		inB.set(l)
	}
	for i := range nSource {
		for j := range nTarget {
			l := Link{i, j}
			switch {
			case method == Union && (inA.has(l) || inB.has(l)):
				g.set(l)
			case method != Union && inA.has(l) && inB.has(l):
				g.set(l)
			}
		}
	}
	if method == Union || method == Intersection {
		return g.links()
	}
	union := func(l Link) bool { return inA.has(l) || inB.has(l) }
	g.growDiag(union)
	if method == GrowDiag {
		return g.links()
	}
	for _, dir := range []linkGrid{inA, inB} {
		for _, l := range dir.links() {
			si, tj := g.sourceAligned[l.Source], g.targetAligned[l.Target]
			if (method == GrowDiagFinalAnd && !si && !tj) || (method == GrowDiagFinal && (!si || !tj)) {
				g.set(l)
			}
		}
	}
	return g.links()
}

// linkGrid is a set of links with per-word "aligned" flags.
type linkGrid struct {
	nSource, nTarget int
	cells            []bool
	sourceAligned    []bool
	targetAligned    []bool
}

func newLinkGrid(nSource, nTarget int) linkGrid {
	return linkGrid{
		nSource:       nSource,
		nTarget:       nTarget,
		cells:         make([]bool, nSource*nTarget),
		sourceAligned: make([]bool, nSource),
		targetAligned: make([]bool, nTarget),
	}
}

func (g linkGrid) inside(l Link) bool {
	return l.Source >= 0 && l.Source < g.nSource && l.Target >= 0 && l.Target < g.nTarget
}

func (g linkGrid) has(l Link) bool { return g.inside(l) && g.cells[l.Source*g.nTarget+l.Target] }

func (g linkGrid) set(l Link) {
	if g.inside(l) {
		g.cells[l.Source*g.nTarget+l.Target] = true
		g.sourceAligned[l.Source] = true
		g.targetAligned[l.Target] = true
	}
}

func (g linkGrid) links() []Link {
	var out []Link
	for i := range g.nSource {
		for j := range g.nTarget {
			if g.cells[i*g.nTarget+j] {
				out = append(out, Link{i, j})
			}
		}
	}
	return out
}

var neighbours = []Link{{-1, 0}, {0, -1}, {1, 0}, {0, 1}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}}

// growDiag adds, until nothing changes, candidate links next to an existing
// link (diagonals included) that align at least one word not yet aligned.
func (g linkGrid) growDiag(candidate func(Link) bool) {
	for added := true; added; {
		added = false
		for _, l := range g.links() {
			for _, d := range neighbours {
				n := Link{l.Source + d.Source, l.Target + d.Target}
				if !g.inside(n) || g.has(n) || !candidate(n) {
					continue
				}
				if !g.sourceAligned[n.Source] || !g.targetAligned[n.Target] {
					g.set(n)
					added = true
				}
			}
		}
	}
}
