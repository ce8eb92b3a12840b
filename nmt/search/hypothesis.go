package search

// Hypothesis is one output of Decode or Force for one source sentence.
type Hypothesis struct {
	// Tokens are the generated target ids; the last one is always the EOS.
	// The decoder start token is not included.
	Tokens []int

	// LogProbs[t] is the model's log p(Tokens[t] | source, Tokens[:t]), as
	// the scorer wrote it (masking by the search never rescales it).
	LogProbs []float32

	// Score is Σ LogProbs.
	Score float64

	// NormScore is Score / len(Tokens)^LengthPenalty; finished hypotheses
	// are ranked by it.
	NormScore float64

	// Attn[t] is the cross-attention [Layers][Heads][srcLen] of the decoder
	// step that predicted Tokens[t] (whose input was Tokens[t-1], or the start
	// token for t = 0), trimmed to the sentence's own source length. The
	// slices are shared with the Events that streamed them; treat them as
	// read-only.
	Attn [][][][]float32
}

// Event reports target tokens of one sentence that have become final: they
// will not change in the best hypothesis that Decode returns for it.
// Concatenating the Tokens of a sentence's events, in order, gives exactly
// the Tokens of its best hypothesis (EOS included), with the same LogProbs
// and the same Attn rows.
type Event struct {
	Sentence int             // index into Decode's srcLens
	Pos      int             // position of Tokens[0] in the hypothesis
	Tokens   []int           // the newly final tokens, possibly none
	LogProbs []float32       // their log-probabilities
	Attn     [][][][]float32 // their cross-attention, as in Hypothesis.Attn
	Done     bool            // the sentence is finished; this is its last event
}

// node is one token of one hypothesis, linked to its prefix, so that beams
// that share a prefix share its tokens and attention without copying.
type node struct {
	parent  *node
	token   int
	logProb float32
	depth   int       // tokens in the hypothesis up to and including this one
	score   float64   // Σ log-probabilities up to and including this one
	norm    float64   // score / depth^α, set when the hypothesis finishes
	attn    []float32 // [Layers*Heads*srcLen], shared by siblings
}

// ancestor returns n's prefix node of the given depth (≤ n.depth).
func (n *node) ancestor(depth int) *node {
	for n.depth > depth {
		n = n.parent
	}
	return n
}

// commonPrefix returns the deepest node that a and b both descend from.
func commonPrefix(a, b *node) *node {
	if a.depth > b.depth {
		a = a.ancestor(b.depth)
	} else {
		b = b.ancestor(a.depth)
	}
	for a != b {
		a, b = a.parent, b.parent
	}
	return a
}

// span writes the tokens of n's hypothesis at positions [from, n.depth) into
// tokens, logProbs and attn (each of length n.depth−from), splitting every
// attention row into [layers][heads][srcLen] views.
func (n *node) span(from, layers, heads int, tokens []int, logProbs []float32, attn [][][][]float32) {
	for m := n; m.depth > from; m = m.parent {
		i := m.depth - 1 - from
		tokens[i], logProbs[i] = m.token, m.logProb
		attn[i] = attnView(m.attn, layers, heads)
	}
}

// attnView splits a flat [layers*heads*srcLen] row into [layers][heads] views.
func attnView(a []float32, layers, heads int) [][][]float32 {
	srcLen := len(a) / (layers * heads)
	v := make([][][]float32, layers)
	for l := range v {
		v[l] = make([][]float32, heads)
		for h := range v[l] {
			o := (l*heads + h) * srcLen
			v[l][h] = a[o : o+srcLen : o+srcLen]
		}
	}
	return v
}

// hypothesis builds the result for a finished node.
func (n *node) hypothesis(layers, heads int) Hypothesis {
	h := Hypothesis{
		Tokens:    make([]int, n.depth),
		LogProbs:  make([]float32, n.depth),
		Attn:      make([][][][]float32, n.depth),
		Score:     n.score,
		NormScore: n.norm,
	}
	n.span(0, layers, heads, h.Tokens, h.LogProbs, h.Attn)
	return h
}

// event builds the event streaming n's tokens from position from on.
func (n *node) event(sentence, from, layers, heads int, done bool) Event {
	k := n.depth - from
	e := Event{
		Sentence: sentence,
		Pos:      from,
		Tokens:   make([]int, k),
		LogProbs: make([]float32, k),
		Attn:     make([][][][]float32, k),
		Done:     done,
	}
	n.span(from, layers, heads, e.Tokens, e.LogProbs, e.Attn)
	return e
}

// Allocation chunks of the arena.
const (
	nodeChunk  = 512
	floatChunk = 1 << 16
)

// arena hands out nodes and attention rows from large chunks so that a step
// costs no allocation of its own; chunks live as long as the results that
// point into them.
type arena struct {
	nodes  []node
	floats []float32
}

func (a *arena) node() *node {
	if len(a.nodes) == cap(a.nodes) {
		a.nodes = make([]node, 0, nodeChunk)
	}
	a.nodes = a.nodes[:len(a.nodes)+1]
	return &a.nodes[len(a.nodes)-1]
}

func (a *arena) floats32(n int) []float32 {
	if n > cap(a.floats)-len(a.floats) {
		a.floats = make([]float32, 0, max(floatChunk, n))
	}
	i := len(a.floats)
	a.floats = a.floats[:i+n]
	return a.floats[i : i+n : i+n]
}

// child returns a new node extending parent with token.
func (a *arena) child(parent *node, token int, logProb float32, attn []float32) *node {
	n := a.node()
	*n = node{
		parent:  parent,
		token:   token,
		logProb: logProb,
		depth:   parent.depth + 1,
		score:   parent.score + float64(logProb),
		attn:    attn,
	}
	return n
}
