package nmt

import (
	"context"
	"runtime/pprof"
	"sort"
	"sync"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// Batcher decodes the sentences of concurrent Translate calls together
// (continuous batching): the calls with the same search options share a
// running decoder (a lane), which a sentence joins before any step and
// leaves the step it finishes, so that the matrix products of a step serve
// many calls at once. Up to a set number of lanes run for the same options
// and step in parallel, each on its own goroutine: one lane's steps follow
// one another, and the work of a step other than the products (attention,
// the search) runs on its goroutine alone, so a second lane keeps a second
// core busy. A call's sentences are encoded on its own goroutine before
// they are handed to a lane, so that the encoder runs beside the steps. A sentence's
// hypotheses are those Translator.Translate gives it (within float32
// rounding: its rows sit in products of other sizes); streaming, events
// and errors are Translate's; a call whose context ends leaves its lanes
// at their next step and the others go on.
//
// With a shortlist (WithShortlist), each sentence keeps its own tokens in
// a lane as in Translate, and a lane's step computes the output layer for
// the union of its sentences' tokens.
//
// Calls whose options need more than one model or a second pass (Ensemble,
// Rerank, RightToLeft, MBR), and every call of a right-to-left model,
// decode alone as Translate does (see Batches). A Batcher is safe for concurrent use; it holds no goroutine
// while no call is decoding, and keeps the decoders of up to as many
// lanes as run at once for the next lanes to start with.
type Batcher struct {
	t     *Translator
	max   int                 // sentences decoding together in one lane
	most  int                 // lanes running at once for one set of search options
	fill  int                 // sentences every running lane holds before another starts
	spawn func(running int)   // a test's hook: called (under mu) as a lane starts
	pass  func(sentences int) // a test's hook: called before each pass of the encoder
	step  func(rows int)      // a test's hook: called (on the lane) before each step

	mu    sync.Mutex
	lanes map[laneKey][]*lane // the running lanes of each set of options
	idle  []idleLane          // the decoders of lanes that ended, latest last: at most most

	enc encoder
}

// NewBatcher returns a Batcher over t that decodes at most maxSentences
// sentences together (at least 1) in one lane, and runs at most lanes
// lanes (at least 1) for each set of search options. A call with more
// sentences than maxSentences joins in parts, which may go to different
// lanes.
//
// A part goes to the running lane of its options that holds the fewest
// sentences (decoding or waiting to join); a new lane starts for it
// instead when fewer than lanes are running and each of them already
// holds fill sentences (at least 1). Lanes therefore start only as calls
// overlap, and a lane ends when it has nothing left to decode. A server
// gives lanes its number of workers (about one a core): more lanes than
// cores would only take turns. A fill above 1 keeps the lanes fewer and
// fuller: each multiplies more rows at once, which costs less CPU per
// sentence, and splits its products over the cores.
func (t *Translator) NewBatcher(maxSentences, lanes, fill int) *Batcher {
	return &Batcher{t: t, max: max(maxSentences, 1), most: max(lanes, 1), fill: max(fill, 1), lanes: map[laneKey][]*lane{}}
}

// Lanes is the most lanes that run at once for one set of search options,
// and the sentences each running lane holds before another starts.
func (b *Batcher) Lanes() (most, fill int) { return b.most, b.fill }

// Batches reports whether req would share a decoder with other calls;
// otherwise Translate decodes it alone.
func (b *Batcher) Batches(req Request) bool {
	o := req.Options
	return !o.Ensemble && o.Rerank == 0 && o.RightToLeft == 0 && o.MBR == nil &&
		!b.t.cfg.RightToLeft
}

// Translate is Translator.Translate, decoding req's sentences together
// with those of the other calls when Batches(req).
func (b *Batcher) Translate(ctx context.Context, req Request, stream func(Event)) ([]Translation, error) {
	if !b.Batches(req) {
		return b.t.Translate(ctx, req, stream)
	}
	d, opts, err := b.t.newRun(req, stream)
	if err != nil {
		return nil, err
	}
	d.finishEmpty()
	if len(d.job.flat) > 0 {
		if err := b.decode(ctx, d, opts); err != nil {
			return nil, err
		}
	}
	return d.results(), nil
}

// call is one Translate call as the lanes see it: what they report about
// its sentences waits in notes until the call's goroutine reads it.
type call struct {
	stream bool // the caller streams: report tokens as they become final
	mu     sync.Mutex
	notes  []note
	wake   chan struct{} // holds a value when notes has news
}

// note is a lane's report on one sentence of a call: tokens that became
// final (event), or its end (hyps, or err).
type note struct {
	s     *sentenceJob
	event *search.Event
	hyps  []search.Hypothesis
	err   error
	done  bool
}

func (c *call) tell(n note) {
	c.mu.Lock()
	c.notes = append(c.notes, n)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// decode encodes d's sentences and hands them to the lanes of opts, in
// parts of at most b.max sorted by length, and turns what the lane reports into d's events
// and results.
func (b *Batcher) decode(ctx context.Context, d *decodeRun, opts search.Options) error {
	c := &call{stream: d.stream != nil && !d.holdsTokens(), wake: make(chan struct{}, 1)}
	order := append([]*sentenceJob(nil), d.job.flat...)
	for _, s := range order {
		s.keep = b.t.keepOf(s.ids)
	}
	sort.SliceStable(order, func(a, b int) bool { return len(order[a].ids) < len(order[b].ids) })
	key := keyOf(opts)
	var parts []*chunk
	for lo := 0; lo < len(order); lo += b.max {
		parts = append(parts, &chunk{call: c, sentences: order[lo:min(lo+b.max, len(order))]})
	}
	if err := b.encode(ctx, parts); err != nil {
		return err
	}
	b.submit(key, opts, parts)
	for remaining := len(order); remaining > 0; {
		select {
		case <-ctx.Done():
			b.leave(key, c)
			return ctx.Err()
		case <-c.wake:
		}
		c.mu.Lock()
		notes := c.notes
		c.notes = nil
		c.mu.Unlock()
		for _, n := range notes {
			switch {
			case n.err != nil:
				b.leave(key, c)
				return n.err
			case n.done:
				d.setHypotheses(n.s, n.hyps)
				d.sentenceDone(n.s)
				remaining--
			default:
				d.streamEvent(n.s, *n.event)
			}
		}
		if err := ctx.Err(); err != nil { // as Translate, which checks before every step
			b.leave(key, c)
			return err
		}
	}
	return nil
}

// submit queues the parts of a call on the lanes of key: each on the
// running lane that holds the fewest sentences, or on a new lane when
// fewer than b.most are running and each holds b.fill sentences already.
func (b *Batcher) submit(key laneKey, opts search.Options, parts []*chunk) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ch := range parts {
		var l *lane
		for _, x := range b.lanes[key] {
			if l == nil || x.held < l.held {
				l = x
			}
		}
		if l == nil || l.held >= b.fill && len(b.lanes[key]) < b.most {
			l = &lane{b: b, key: key, opts: opts, owned: map[*call][]*search.Sentence{}, members: map[*search.Sentence]member{}}
			l.dec, l.search = b.unpark(key)
			b.lanes[key] = append(b.lanes[key], l)
			if b.spawn != nil {
				b.spawn(len(b.lanes[key]))
			}
			go pprof.Do(context.Background(), pprof.Labels("nmt", "lane"), func(context.Context) { l.run() })
		}
		l.pending = append(l.pending, ch)
		l.held += len(ch.sentences)
	}
}

// idleLane is the decoder and search of a lane that ended with nothing to
// decode. A lane of the same options that starts later takes them over,
// with the room their caches, output layer and search have grown, instead
// of growing its own again step by step: a server's lanes end and start
// whenever its calls stop overlapping for a moment.
type idleLane struct {
	key    laneKey
	dec    *model.Decoder
	search *search.Batch
}

// park keeps the decoder of a lane that ended, forgetting the oldest
// beyond b.most; b.mu is held.
func (b *Batcher) park(key laneKey, dec *model.Decoder, s *search.Batch) {
	if dec == nil || s == nil {
		return
	}
	b.idle = append(b.idle, idleLane{key, dec, s})
	if n := len(b.idle) - b.most; n > 0 {
		clear(b.idle[:n])
		b.idle = b.idle[n:]
	}
}

// unpark takes the latest parked decoder of key, if any; b.mu is held.
func (b *Batcher) unpark(key laneKey) (*model.Decoder, *search.Batch) {
	for i := len(b.idle) - 1; i >= 0; i-- {
		if x := b.idle[i]; x.key == key {
			b.idle = append(b.idle[:i], b.idle[i+1:]...)
			return x.dec, x.search
		}
	}
	return nil, nil
}

// leave takes a call out of every lane of key: its parts still waiting
// are forgotten, and its sentences decoding leave before the next step.
func (b *Batcher) leave(key laneKey, c *call) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lanes[key] {
		kept := l.pending[:0]
		for _, ch := range l.pending {
			if ch.call != c {
				kept = append(kept, ch)
			} else {
				l.held -= len(ch.sentences)
			}
		}
		clear(l.pending[len(kept):])
		l.pending = kept
		l.leaving = append(l.leaving, c)
	}
}

// laneKey is what the calls of one lane share: the search options (the
// banned ids are the translator's, the same for all).
type laneKey struct {
	beam, nbest, maxLength, minLength, maxLengthOffset int
	lengthPenalty, maxLengthRatio                      float64
	earlyStop, likelyStop                              bool
}

func keyOf(o search.Options) laneKey {
	return laneKey{beam: o.BeamSize, nbest: o.NBest, maxLength: o.MaxLength, minLength: o.MinLength,
		maxLengthOffset: o.MaxLengthOffset, lengthPenalty: o.LengthPenalty, maxLengthRatio: o.MaxLengthRatio,
		earlyStop: o.EarlyStop, likelyStop: o.LikelyStop}
}
