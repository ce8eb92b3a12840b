package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// acquire admits a request of client and starts it: the two steps of a
// handler, for tests of the pool alone.
func (p *pool) acquire(ctx context.Context, client string, cost int64) (release func(), err error) {
	t, err := p.admit(client)
	if err != nil {
		return nil, err
	}
	if _, err := t.start(ctx, cost); err != nil {
		t.leave()
		return nil, err
	}
	return t.leave, nil
}

func testPool(workers, queue int) *pool {
	return newPool(poolLimits{workers: workers, queue: queue, perClient: workers + queue, budget: 1 << 30}, nil)
}

func TestPoolBounds(t *testing.T) {
	ctx := testContext(t)
	p := testPool(2, 1)
	r1, err := p.acquire(ctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.acquire(ctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	// The third request waits in the queue...
	waiting := make(chan error, 1)
	go func() {
		r3, err := p.acquire(ctx, "a", 1)
		if err == nil {
			r3()
		}
		waiting <- err
	}()
	if err := p.waitFor(ctx, func(busy, w int) bool { return busy == 2 && w == 1 }); err != nil {
		t.Fatal(err)
	}
	// ...and the fourth finds workers and queue full.
	if _, err := p.acquire(ctx, "b", 1); !errors.Is(err, errOverloaded) {
		t.Fatalf("acquire with workers and queue full: %v, want errOverloaded", err)
	}
	r1()
	r1() // a second release is harmless
	if err := <-waiting; err != nil {
		t.Fatalf("queued acquire: %v", err)
	}
	r2()
	if busy, w, _ := p.state(); busy != 0 || w != 0 {
		t.Fatalf("after every release: busy %d waiting %d", busy, w)
	}
	if len(p.clients) != 0 {
		t.Fatalf("clients left behind: %v", p.clients)
	}
}

func TestPoolCancelWhileWaiting(t *testing.T) {
	ctx := testContext(t)
	p := testPool(1, 1)
	release, err := p.acquire(ctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	wctx, cancel := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() {
		_, err := p.acquire(wctx, "a", 1)
		got <- err
	}()
	if err := p.waitFor(ctx, func(_, w int) bool { return w == 1 }); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	// The queue place is free again.
	if _, w, _ := p.state(); w != 0 {
		t.Fatalf("waiting = %d after the waiter left", w)
	}
	if _, err := p.acquire(canceledContext(), "a", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with a cancelled context: %v", err)
	}
}

func TestPoolObserver(t *testing.T) {
	var lastBusy, lastWaiting int
	var lastReserved int64
	p := newPool(poolLimits{workers: 1, perClient: 1, budget: 100}, func(b, w int, r int64) { lastBusy, lastWaiting, lastReserved = b, w, r })
	release, err := p.acquire(testContext(t), "a", 40)
	if err != nil {
		t.Fatal(err)
	}
	if lastBusy != 1 || lastWaiting != 0 || lastReserved != 40 {
		t.Fatalf("observer saw busy %d waiting %d reserved %d, want 1 0 40", lastBusy, lastWaiting, lastReserved)
	}
	release()
	if lastBusy != 0 || lastReserved != 0 {
		t.Fatalf("observer saw busy %d reserved %d after release", lastBusy, lastReserved)
	}
}

func canceledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// TestPoolSharedPlaces: requests that decode in a batch take one place of
// a worker's batch per text, a request decoding alone a whole worker, and
// neither kind overtakes the other in the fair order.
func TestPoolSharedPlaces(t *testing.T) {
	ctx := testContext(t)
	p := newPool(poolLimits{workers: 1, queue: 2, perClient: 2, batch: 3, budget: 1 << 30}, nil)
	var shared []*ticket
	for i := range 3 {
		tk, err := p.admitShared(fmt.Sprint("s", i), 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tk.start(ctx, 1); err != nil {
			t.Fatal(err)
		}
		shared = append(shared, tk)
	}
	// The worker's three places are taken: a request alone waits for all
	// three, and a shared one behind it waits too.
	solo, err := p.admit("solo")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 2)
	go func() { _, err := solo.start(ctx, 1); started <- err }()
	if err := waitTicket(ctx, solo, ticketWaiting); err != nil {
		t.Fatal(err)
	}
	if tk, err := p.admitShared("big", 5); err != nil || tk.places != 3 {
		t.Fatalf("a request of 5 texts takes %d places (%v), want a whole worker's 3", tk.places, err)
	} else {
		tk.leave()
	}
	late, err := p.admitShared("late", 1)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, err := late.start(ctx, 1); started <- err }()
	if err := waitTicket(ctx, late, ticketWaiting); err != nil {
		t.Fatal(err)
	}
	// Workers and queue hold (1 + 2) × 3 places: 3 shared, the solo
	// request's 3 and the late one's 1 leave too few for a whole request.
	if _, err := p.admit("more"); !errors.Is(err, errOverloaded) {
		t.Fatalf("admit over the places: %v, want errOverloaded", err)
	}
	shared[0].leave()
	shared[1].leave()
	if busy, w, _ := p.state(); busy != 1 || w != 2 {
		t.Fatalf("with one shared place still taken: busy %d waiting %d, want 1 and 2", busy, w)
	}
	shared[2].leave()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if err := waitTicket(ctx, solo, ticketDecoding); err != nil {
		t.Fatal(err)
	}
	if busy, w, _ := p.state(); busy != 1 || w != 1 {
		t.Fatalf("the request alone should decode and the late one wait: busy %d waiting %d", busy, w)
	}
	solo.leave()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	late.leave()
	if len(p.clients) != 0 || p.places != 0 || p.busyPlaces != 0 {
		t.Fatalf("left behind: clients %v, places %d, busy places %d", p.clients, p.places, p.busyPlaces)
	}
}

// waitTicket waits until tk is in state.
func waitTicket(ctx context.Context, tk *ticket, state int) error {
	for {
		tk.p.mu.Lock()
		now, changed := tk.state, tk.p.changed
		tk.p.mu.Unlock()
		if now == state {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
