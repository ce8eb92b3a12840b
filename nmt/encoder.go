package nmt

import (
	"context"
	"sync"
)

// encoder runs the encoder of a Batcher's calls on their own goroutines,
// beside the lanes' steps, and encodes the sentences of the calls that
// arrive together in one pass, as that costs less than one pass a call:
// a call that finds the encoder busy waits for the next round, which the
// busy call encodes once its own is done, together with every other part
// that came meanwhile.
type encoder struct {
	mu   sync.Mutex
	busy bool         // a call is encoding rounds
	next *encodeRound // the round that parts arriving now join; nil: none waits
}

// encodeRound is the parts encoded in one pass.
type encodeRound struct {
	parts []*chunk
	err   error
	done  chan struct{} // closed once the parts are encoded, or err set
}

// encode sets the encoder states of the parts of one call, encoding them
// in one pass with the parts of the calls that arrive meanwhile; it
// returns early with ctx's error when ctx ends first.
func (b *Batcher) encode(ctx context.Context, parts []*chunk) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := &b.enc
	e.mu.Lock()
	if e.next == nil {
		e.next = &encodeRound{done: make(chan struct{})}
	}
	mine := e.next
	mine.parts = append(mine.parts, parts...)
	if e.busy {
		e.mu.Unlock()
		select {
		case <-mine.done:
			return mine.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Encode rounds until none waits: ours, and those that came while we
	// encoded (their calls wait for them).
	e.busy = true
	for e.next != nil {
		r := e.next
		e.next = nil
		e.mu.Unlock()
		b.encodeRound(r)
		e.mu.Lock()
	}
	e.busy = false
	e.mu.Unlock()
	return mine.err
}

// encodeRound encodes the sentences of r's parts in one pass, each part
// getting its share of the states. The pass is no one call's: a call
// that ends meanwhile leaves the others' sentences encoded.
func (b *Batcher) encodeRound(r *encodeRound) {
	defer close(r.done)
	var srcs [][]int
	for _, ch := range r.parts {
		for _, sj := range ch.sentences {
			srcs = append(srcs, sj.ids)
		}
	}
	if b.pass != nil {
		b.pass(len(srcs))
	}
	enc, err := b.t.model.Encode(context.Background(), srcs)
	if err != nil {
		r.err = err
		return
	}
	lo := 0
	for _, ch := range r.parts {
		ch.enc = enc.Part(lo, lo+len(ch.sentences))
		lo += len(ch.sentences)
	}
}
