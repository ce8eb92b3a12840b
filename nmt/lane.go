package nmt

import (
	"context"
	"slices"

	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/search"
)

// lane is a running decoder of one Batcher for one set of search options
// (one of up to Batcher.most for them): a goroutine that, between steps,
// lets leaving calls go and waiting parts join, and steps while any
// sentence is decoding. It ends when it has nothing left to decode.
type lane struct {
	b    *Batcher
	key  laneKey
	opts search.Options

	// Guarded by b.mu.
	pending []*chunk // parts waiting to join, in arrival order
	leaving []*call  // calls whose sentences must leave
	held    int      // sentences pending, and decoding as of the last step: what submit weighs

	// The lane goroutine's own.
	dec     *model.Decoder
	search  *search.Batch
	live    int                          // sentences decoding
	owned   map[*call][]*search.Sentence // each call's sentences decoding
	members map[*search.Sentence]member
}

// chunk is a part of a call's sentences waiting to join, encoded.
type chunk struct {
	call      *call
	sentences []*sentenceJob
	enc       *model.Encoding // the sentences' encoder states, in order
}

// member is a sentence decoding in the lane.
type member struct {
	call *call
	s    *sentenceJob
}

func (l *lane) run() {
	for {
		joining, leaving, ok := l.next()
		if !ok {
			return
		}
		for _, c := range leaving {
			l.drop(c)
		}
		if len(joining) > 0 {
			l.join(joining)
		}
		if l.live == 0 {
			continue
		}
		if l.b.step != nil {
			l.b.step(l.search.Rows())
		}
		// The lane's steps are nobody's call: a call that ends leaves
		// between steps, and cancelling a step would spoil the decoder
		// for every other call.
		done, err := l.search.Step(context.Background())
		if err != nil {
			l.fail(err)
			continue
		}
		for _, s := range done {
			l.finish(s)
		}
	}
}

// next takes the calls leaving and the parts that may join now: in
// arrival order, as long as they fit in b.max sentences (a part always
// joins an empty lane), and counts what the lane holds after them. With
// nothing to decode and nothing waiting, it takes the lane out of the
// Batcher and reports false.
func (l *lane) next() (joining []*chunk, leaving []*call, ok bool) {
	b := l.b
	b.mu.Lock()
	defer b.mu.Unlock()
	leaving, l.leaving = l.leaving, nil
	n := l.live
	for len(l.pending) > 0 {
		ch := l.pending[0]
		if n > 0 && n+len(ch.sentences) > b.max {
			break
		}
		n += len(ch.sentences)
		joining = append(joining, ch)
		l.pending[0] = nil
		l.pending = l.pending[1:]
	}
	if l.live == 0 && len(joining) == 0 && len(leaving) == 0 {
		l.remove()
		b.park(l.key, l.dec, l.search)
		l.dec, l.search = nil, nil
		return nil, nil, false
	}
	for _, c := range leaving {
		n -= len(l.owned[c])
	}
	for _, ch := range l.pending {
		n += len(ch.sentences)
	}
	l.held = max(n, 0)
	return joining, leaving, true
}

// remove takes the lane out of its Batcher's lanes; b.mu is held.
func (l *lane) remove() {
	b := l.b
	lanes := slices.DeleteFunc(b.lanes[l.key], func(x *lane) bool { return x == l })
	if len(lanes) == 0 {
		delete(b.lanes, l.key)
	} else {
		b.lanes[l.key] = lanes
	}
}

// join adds the sentences of the joining parts, encoded by their callers,
// to the decoder, starting one when there is none.
func (l *lane) join(joining []*chunk) {
	for k, ch := range joining {
		var err error
		first := 0
		if l.dec == nil {
			l.dec, err = l.b.t.model.NewDecoder(ch.enc)
			if err == nil {
				err = l.restrict(first, ch)
			}
			if err == nil {
				l.search, err = search.NewBatch(l.dec, l.opts)
			}
			if err != nil {
				l.dec, l.search = nil, nil
			}
		} else if first, err = l.dec.Join(ch.enc); err == nil {
			if err = l.restrict(first, ch); err != nil {
				l.fail(err) // a bug: rows joined that the search does not have
			}
		}
		if err != nil {
			for _, ch := range joining[k:] {
				ch.call.tell(note{s: ch.sentences[0], err: err})
			}
			return
		}
		if !l.add(ch) {
			return
		}
	}
}

// restrict gives the sentences of a part, whose decoder rows start at
// first, their shortlists.
func (l *lane) restrict(first int, ch *chunk) error {
	for i, sj := range ch.sentences {
		if sj.keep == nil {
			continue
		}
		if err := l.dec.Restrict(l.dec.Source(first+i), sj.keep); err != nil {
			return err
		}
	}
	return nil
}

// add starts the search of a part's sentences, whose decoder rows were
// just added, and reports false when it failed the lane.
func (l *lane) add(ch *chunk) bool {
	c := ch.call
	for i, sj := range ch.sentences {
		var stream func(search.Event)
		if c.stream {
			stream = func(e search.Event) { c.tell(note{s: sj, event: &e}) }
		}
		s, err := l.search.Add(ch.enc.SourceLen(i), i, stream)
		if err != nil { // a bug: the decoder and the search disagree
			l.fail(err)
			return false
		}
		l.owned[c] = append(l.owned[c], s)
		l.members[s] = member{call: c, s: sj}
		l.live++
	}
	return true
}

// drop takes a leaving call's sentences out of the decoder.
func (l *lane) drop(c *call) {
	for _, s := range l.owned[c] {
		l.search.Drop(s)
		delete(l.members, s)
		l.live--
	}
	delete(l.owned, c)
}

// finish reports a finished sentence to its call.
func (l *lane) finish(s *search.Sentence) {
	m := l.members[s]
	delete(l.members, s)
	l.live--
	own := l.owned[m.call]
	for i, x := range own {
		if x == s {
			own = append(own[:i], own[i+1:]...)
			break
		}
	}
	if len(own) == 0 {
		delete(l.owned, m.call)
	} else {
		l.owned[m.call] = own
	}
	if err := s.Err(); err != nil {
		m.call.tell(note{s: m.s, err: err})
		return
	}
	m.call.tell(note{s: m.s, hyps: l.search.Results(s), done: true})
}

// fail ends every sentence decoding with err and starts the next ones
// on a fresh decoder: a decoder whose step failed cannot go on.
func (l *lane) fail(err error) {
	for s, m := range l.members {
		m.call.tell(note{s: m.s, err: err})
		delete(l.members, s)
	}
	clear(l.owned)
	l.live = 0
	l.dec, l.search = nil, nil
}
