package server

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pool bounds the decoding work of the whole server and shares it fairly
// among clients:
//
//   - at most `workers` requests decode at once, and at most `queue` more
//     wait; a request beyond that is refused at once (errOverloaded)
//     rather than left to pile up;
//   - one client (see clientOf) holds at most `perClient` of those places,
//     so that one connection cannot fill the queue;
//   - a free worker goes to the waiting request of the client with the
//     fewest requests decoding, among equals the one served least
//     recently, so that a client with many calls queued does not delay a
//     client with one;
//   - requests decoding hold at most `budget` bytes of estimated decoding
//     memory together (see cost): a request that fits now starts, one that
//     will fit once others finish waits in its turn, and one larger than
//     the whole budget is refused before it waits (errOverBudget).
//
// A request holds its worker for its whole decoding, which ends promptly
// when its context is cancelled (the translator checks it at every step).
//
// With continuous batching (Options.BatchSize above 1) a worker is shared:
// requests that decode together in one running decoder (nmt.Batcher) take
// one place of `batch` in a worker per text (their sentences share the
// decoder's rows; at most a whole worker), others a whole worker. The pool
// counts in such places: `workers × batch` of them decode, `queue ×
// batch` more wait, and a client holds at most `perClient × batch`. The
// fair order and the memory budget are the same for both kinds.
//
// Admission is in two steps, so that a request refused for want of room
// costs nothing more: admit takes a place (cheap, may refuse), then the
// caller weighs the request (tokenization) and start waits for a worker.
type pool struct {
	workers, queue, perClient int
	batch                     int // places in a worker; 1: no batching
	budget                    int64

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	busy       int           // requests decoding
	admitted   int           // requests decoding or waiting
	busyPlaces int           // places of the requests decoding
	places     int           // places of the requests decoding or waiting
	reserved   int64         // estimated bytes of the requests decoding
	clients    map[string]*client
	seq        uint64                                  // arrival order of waiters
	grants     uint64                                  // workers given so far
	observer   func(busy, waiting int, reserved int64) // metrics; called with mu held
}

// client is the pool's record of one client's requests.
type client struct {
	name      string
	admitted  int       // decoding or waiting
	places    int       // their places
	busy      int       // decoding
	lastGrant uint64    // when it was last given a worker (p.grants); 0: never
	waiting   []*ticket // started, waiting for a worker, in arrival order
}

// poolLimits configure a pool; see pool for their meaning.
type poolLimits struct {
	workers, queue, perClient int
	batch                     int // 0 counts as 1
	budget                    int64
}

// newPool returns a pool; workers, perClient and budget must be ≥ 1 and
// queue and batch ≥ 0.
func newPool(l poolLimits, observer func(busy, waiting int, reserved int64)) *pool {
	if l.workers < 1 || l.perClient < 1 || l.budget < 1 || l.queue < 0 || l.batch < 0 {
		panic(fmt.Sprintf("server: bad pool limits %+v", l))
	}
	if observer == nil {
		observer = func(int, int, int64) {}
	}
	return &pool{workers: l.workers, queue: l.queue, perClient: l.perClient, batch: max(l.batch, 1), budget: l.budget,
		changed: make(chan struct{}), clients: map[string]*client{}, observer: observer}
}

// ticket is one admitted request: it holds a place until leave.
type ticket struct {
	p       *pool
	c       *client
	state   int           // ticketAdmitted, ticketWaiting, ticketDecoding, ticketLeft
	places  int           // p.batch for a request decoding alone, fewer for one decoding in a batch
	cost    int64         // estimated bytes, reserved while decoding
	seq     uint64        // arrival order among waiters
	granted chan struct{} // closed when a worker is the ticket's
	leaveM  sync.Once
}

const (
	ticketAdmitted = iota
	ticketWaiting
	ticketDecoding
	ticketLeft
)

// admit takes a place for a request of the named client that decodes
// alone, or refuses: errOverloaded when workers and queue are full, a
// client limit error when the client holds its share. The caller must
// call leave once done.
func (p *pool) admit(name string) (*ticket, error) { return p.take(name, p.batch) }

// admitShared is admit for a request of texts texts that decodes in a
// batch with others: it takes one place of a worker's batch per text, at
// most a whole worker's.
func (p *pool) admitShared(name string, texts int) (*ticket, error) {
	return p.take(name, min(max(texts, 1), p.batch))
}

func (p *pool) take(name string, places int) (*ticket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.places+places > (p.workers+p.queue)*p.batch {
		return nil, errOverloaded
	}
	c := p.clients[name]
	if c == nil {
		c = &client{name: name}
		p.clients[name] = c
	}
	if c.places+places > p.perClient*p.batch {
		return nil, &limitError{limit: "per_client", retry: time.Second, msg: fmt.Sprintf(
			"this client already has %d requests decoding or queued, this server's limit per client (--per-client); retry when one ends", c.admitted)}
	}
	c.admitted++
	c.places += places
	p.admitted++
	p.places += places
	p.notify()
	return &ticket{p: p, c: c, places: places}, nil
}

// errOverBudget refuses a request whose estimated memory is over the
// whole budget: it could never start.
func errOverBudget(cost, budget int64) error {
	return &limitError{limit: "memory_budget", msg: fmt.Sprintf(
		"this request needs an estimated %s of decoding memory, over this server's budget of %s (--memory-budget); ask for fewer texts, a smaller beam_size or n_best, or no alignment",
		mib(cost), mib(budget))}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// start waits until the request may decode: a worker is free, cost bytes
// of the budget are, and it is the request's turn. It returns ctx.Err()
// when the wait is cut short, errOverBudget at once when cost is over the
// whole budget. After a successful start the caller must call release
// (leave does it too).
func (t *ticket) start(ctx context.Context, cost int64) (release func(), err error) {
	p := t.p
	cost = max(cost, 0)
	if cost > p.budget {
		return nil, errOverBudget(cost, p.budget)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if t.state != ticketAdmitted {
		p.mu.Unlock()
		panic("server: ticket started twice or after leave")
	}
	p.seq++
	t.state, t.cost, t.seq, t.granted = ticketWaiting, cost, p.seq, make(chan struct{})
	t.c.waiting = append(t.c.waiting, t)
	p.dispatch()
	p.notify()
	p.mu.Unlock()
	select {
	case <-t.granted:
	case <-ctx.Done():
		p.mu.Lock()
		if t.state == ticketDecoding { // granted meanwhile: give it back
			p.finish(t)
		} else {
			t.c.waiting = removeTicket(t.c.waiting, t)
			t.state = ticketAdmitted
			p.dispatch() // it may have been the one others waited behind
			p.notify()
		}
		p.mu.Unlock()
		return nil, ctx.Err()
	}
	return t.release, nil
}

// release ends the decoding of a started ticket; a second call does
// nothing.
func (t *ticket) release() {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.state == ticketDecoding {
		p.finish(t)
	}
}

// finish gives back the worker and budget of a decoding ticket (mu held).
func (p *pool) finish(t *ticket) {
	t.state = ticketAdmitted
	p.busy--
	p.busyPlaces -= t.places
	t.c.busy--
	p.reserved -= t.cost
	t.cost = 0
	p.dispatch()
	p.notify()
}

// leave gives the place back, releasing the worker first if the ticket
// holds one. It is safe to call more than once.
func (t *ticket) leave() {
	t.leaveM.Do(func() {
		p := t.p
		p.mu.Lock()
		defer p.mu.Unlock()
		switch t.state {
		case ticketDecoding:
			p.finish(t)
		case ticketWaiting:
			t.c.waiting = removeTicket(t.c.waiting, t)
			p.dispatch()
		}
		t.state = ticketLeft
		t.c.admitted--
		t.c.places -= t.places
		p.admitted--
		p.places -= t.places
		if t.c.admitted == 0 {
			delete(p.clients, t.c.name)
		}
		p.notify()
	})
}

// dispatch hands free workers to waiters, fairly (mu held): the client
// with the fewest requests decoding first, then the one served least
// recently, then the one waiting longest. The
// chosen request waits for budget if it does not fit yet; nobody overtakes
// it meanwhile, so that a large request is not starved by small ones.
func (p *pool) dispatch() {
	for p.busyPlaces < p.workers*p.batch {
		var next *client
		for _, c := range p.clients {
			if len(c.waiting) == 0 {
				continue
			}
			if next == nil || fairer(c, next) {
				next = c
			}
		}
		if next == nil {
			return
		}
		t := next.waiting[0]
		if p.reserved+t.cost > p.budget || p.busyPlaces+t.places > p.workers*p.batch {
			return
		}
		next.waiting = next.waiting[1:]
		p.grants++
		next.lastGrant = p.grants
		next.busy++
		p.busy++
		p.busyPlaces += t.places
		p.reserved += t.cost
		t.state = ticketDecoding
		close(t.granted)
	}
}

// fairer says whether client a's next request goes before b's.
func fairer(a, b *client) bool {
	switch {
	case a.busy != b.busy:
		return a.busy < b.busy
	case a.lastGrant != b.lastGrant:
		return a.lastGrant < b.lastGrant
	}
	return a.waiting[0].seq < b.waiting[0].seq
}

func removeTicket(ts []*ticket, t *ticket) []*ticket {
	for i, x := range ts {
		if x == t {
			return append(ts[:i:i], ts[i+1:]...)
		}
	}
	return ts
}

// notify reports the state to the observer and wakes waitFor (mu held).
func (p *pool) notify() {
	p.observer(p.busy, p.admitted-p.busy, p.reserved)
	close(p.changed)
	p.changed = make(chan struct{})
}

// state returns the number of requests decoding and waiting, and a channel
// closed at the next change of either.
func (p *pool) state() (busy, waiting int, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy, p.admitted - p.busy, p.changed
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
