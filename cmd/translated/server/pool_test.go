package server

import (
	"context"
	"errors"
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
