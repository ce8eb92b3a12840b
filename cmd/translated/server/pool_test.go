package server

import (
	"context"
	"errors"
	"testing"
)

func TestPoolBounds(t *testing.T) {
	ctx := testContext(t)
	p := newPool(2, 1, nil)
	r1, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The third request waits in the queue...
	waiting := make(chan error, 1)
	go func() {
		r3, err := p.acquire(ctx)
		if err == nil {
			r3()
		}
		waiting <- err
	}()
	if err := p.waitFor(ctx, func(busy, w int) bool { return busy == 2 && w == 1 }); err != nil {
		t.Fatal(err)
	}
	// ...and the fourth finds workers and queue full.
	if _, err := p.acquire(ctx); !errors.Is(err, errOverloaded) {
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
}

func TestPoolCancelWhileWaiting(t *testing.T) {
	ctx := testContext(t)
	p := newPool(1, 1, nil)
	release, err := p.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	wctx, cancel := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() {
		_, err := p.acquire(wctx)
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
	if _, err := p.acquire(canceledContext()); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire with a cancelled context: %v", err)
	}
}

func TestPoolObserver(t *testing.T) {
	var lastBusy, lastWaiting int
	p := newPool(1, 0, func(b, w int) { lastBusy, lastWaiting = b, w })
	release, err := p.acquire(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if lastBusy != 1 || lastWaiting != 0 {
		t.Fatalf("observer saw busy %d waiting %d, want 1 0", lastBusy, lastWaiting)
	}
	release()
	if lastBusy != 0 {
		t.Fatalf("observer saw busy %d after release", lastBusy)
	}
}

func canceledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
