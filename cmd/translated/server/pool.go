package server

import (
	"context"
	"sync"
)

// pool bounds the decoding work of the whole server: at most `workers`
// requests decode at once, at most `queue` more wait for a worker, and any
// request beyond that is refused at once with errOverloaded rather than
// left to pile up. A request holds its worker for its whole decoding, which
// ends promptly when its context is cancelled (the translator checks it at
// every step), so a cancelled or expired request frees its worker within
// one decoding step.
//
// Waiting requests are served in no particular order.
type pool struct {
	workers chan struct{} // one element per request decoding
	admit   chan struct{} // one element per request decoding or waiting

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	busy     int
	waiting  int
	observer func(busy, waiting int) // metrics; called with mu held
}

// newPool returns a pool of workers ≥ 1 workers and queue ≥ 0 places.
func newPool(workers, queue int, observer func(busy, waiting int)) *pool {
	if workers < 1 {
		panic("server: a pool needs at least one worker")
	}
	if observer == nil {
		observer = func(int, int) {}
	}
	return &pool{
		workers:  make(chan struct{}, workers),
		admit:    make(chan struct{}, workers+queue),
		changed:  make(chan struct{}),
		observer: observer,
	}
}

// acquire takes a worker, waiting for one while ctx lasts when the queue
// has room. It returns errOverloaded when workers and queue are full, and
// ctx.Err() when the wait is cut short. On success the caller must call
// release exactly once.
func (p *pool) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case p.admit <- struct{}{}:
	default:
		return nil, errOverloaded
	}
	p.update(0, +1)
	select {
	case p.workers <- struct{}{}:
	case <-ctx.Done():
		<-p.admit
		p.update(0, -1)
		return nil, ctx.Err()
	}
	p.update(+1, -1)
	var once sync.Once
	return func() {
		once.Do(func() {
			<-p.workers
			<-p.admit
			p.update(-1, 0)
		})
	}, nil
}

func (p *pool) update(busy, waiting int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy += busy
	p.waiting += waiting
	p.observer(p.busy, p.waiting)
	close(p.changed)
	p.changed = make(chan struct{})
}

// state returns the number of requests decoding and waiting, and a channel
// closed at the next change of either.
func (p *pool) state() (busy, waiting int, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy, p.waiting, p.changed
}

// waitFor blocks until cond(busy, waiting) holds or ctx ends.
func (p *pool) waitFor(ctx context.Context, cond func(busy, waiting int) bool) error {
	for {
		busy, waiting, changed := p.state()
		if cond(busy, waiting) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
