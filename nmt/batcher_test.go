package nmt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// translateAlone is Translator.Translate with the events it streams.
func translateAlone(t *testing.T, tr *Translator, req Request) ([]Translation, []Event) {
	t.Helper()
	var events []Event
	out, err := tr.Translate(context.Background(), req, func(e Event) { events = append(events, e) })
	if err != nil {
		t.Fatal(err)
	}
	return out, events
}

// TestBatcherEqualsTranslate runs many calls at once through a Batcher,
// greedy and beam, with n-best lists and attention, several texts a call
// and fewer places than sentences: every call gets exactly what
// Translate gives it alone, results and streamed events; and so with a
// vocabulary shortlist, whose sentences keep their own tokens in a lane
// whatever the others keep.
func TestBatcherEqualsTranslate(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	t.Run("whole vocabulary", func(t *testing.T) { batcherEqualsTranslate(t, tr) })
	t.Run("shortlist", func(t *testing.T) { batcherEqualsTranslate(t, withTestShortlist(t, tr)) })
}

func batcherEqualsTranslate(t *testing.T, tr *Translator) {
	reqs := []Request{
		{Texts: []string{texts[0]}, Options: Options{BeamSize: 1, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[1], texts[2]}, Options: Options{BeamSize: 1, MaxLength: 20}},
		{Texts: []string{texts[3]}, Options: Options{BeamSize: 1, MaxLength: 20, Attention: true}},
		{Texts: texts, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[4]}, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[0], texts[1]}, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20}},
	}
	type want struct {
		out    []Translation
		events []Event
	}
	wants := make([]want, len(reqs))
	for i, r := range reqs {
		wants[i].out, wants[i].events = translateAlone(t, tr, r)
	}
	b := tr.NewBatcher(3, 2, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(reqs))
	for round := range 4 {
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var events []Event
				stream := func(e Event) { events = append(events, e) }
				if round%2 == 1 {
					stream = nil
				}
				out, err := b.Translate(context.Background(), r, stream)
				switch {
				case err != nil:
					errs <- err
				case !reflect.DeepEqual(out, wants[i].out):
					errs <- fmt.Errorf("call %d: batched %+v\nalone %+v", i, out, wants[i].out)
				case stream != nil && !reflect.DeepEqual(bySentence(t, events), bySentence(t, wants[i].events)):
					errs <- fmt.Errorf("call %d: batched events %+v\nalone %+v", i, events, wants[i].events)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitIdle(t, b)
}

// TestBatcherLanes runs calls at once through a Batcher with two lanes
// for a set of options and two sentences a lane: a call of more sentences
// joins in parts, all placed at once, so while fewer than two lanes of
// its options run, its second part finds the first lane holding a
// sentence and starts a second lane; a third never starts. Every call
// gets what Translate gives it alone, whichever lanes its parts went to.
func TestBatcherLanes(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	reqs := []Request{
		{Texts: texts, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[4], texts[0], texts[2]}, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[1]}, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[3]}, Options: Options{BeamSize: 3, NBest: 2, MaxLength: 20, Attention: true}},
		{Texts: []string{texts[0], texts[3]}, Options: Options{BeamSize: 1, MaxLength: 20}},
	}
	wants := make([][]Translation, len(reqs))
	for i, r := range reqs {
		wants[i], _ = translateAlone(t, tr, r)
	}
	b := tr.NewBatcher(2, 2, 1)
	// The most lanes of one set of options seen running at once; spawn
	// is called under b.mu.
	most := 0
	b.spawn = func(running int) { most = max(most, running) }
	var wg sync.WaitGroup
	errs := make(chan error, 3*len(reqs))
	for range 3 {
		for i, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := callAsAlone(b, i, r, wants[i]); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitIdle(t, b)
	if most != 2 {
		t.Errorf("%d lanes ran at once for one set of options, want 2", most)
	}
}

// TestBatcherLaneFill: with a fill of 3 sentences and lanes of 2, the
// parts (2, 2 and 1 sentences) of one call, placed at once, start a
// second lane only once the first holds 3 or more: the first two parts
// share a lane and the third starts another; with a fill of 5 one lane
// takes them all. Either way the call gets what Translate gives it alone.
func TestBatcherLaneFill(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	req := Request{Texts: []string{"One.", "Two.", "Three.", "Four.", "Five."}, Options: Options{BeamSize: 2, MaxLength: 20}}
	want, _ := translateAlone(t, tr, req)
	for _, c := range []struct{ fill, lanes int }{{1, 2}, {3, 2}, {5, 1}} {
		b := tr.NewBatcher(2, 2, c.fill)
		most := 0
		b.spawn = func(running int) { most = max(most, running) } // under b.mu
		if err := callAsAlone(b, 0, req, want); err != nil {
			t.Errorf("fill %d: %v", c.fill, err)
		}
		waitIdle(t, b)
		if most != c.lanes {
			t.Errorf("fill %d: %d lanes ran at once, want %d", c.fill, most, c.lanes)
		}
	}
}

// callAsAlone makes call i through b and reports how it fails or differs
// from want, what Translate gave it alone.
func callAsAlone(b *Batcher, i int, r Request, want []Translation) error {
	out, err := b.Translate(context.Background(), r, nil)
	switch {
	case err != nil:
		return err
	case !reflect.DeepEqual(out, want):
		return fmt.Errorf("call %d: batched %+v\nalone %+v", i, out, want)
	}
	return nil
}

// bySentence groups the token events by sentence and keeps each text's
// final event apart (sentence −1), checking that it is the text's last:
// the order of different sentences' events depends on which sentences
// decode together.
func bySentence(t *testing.T, events []Event) map[[2]int][]Event {
	out := map[[2]int][]Event{}
	for _, e := range events {
		if _, done := out[[2]int{e.Index, -1}]; done {
			t.Errorf("text %d: event after its result", e.Index)
		}
		k := [2]int{e.Index, e.Sentence}
		if e.Final != nil {
			k[1] = -1
		}
		out[k] = append(out[k], e)
	}
	return out
}

// waitIdle waits for the Batcher's lanes to end, as they do once no call
// is decoding.
func waitIdle(t *testing.T, b *Batcher) {
	t.Helper()
	for range 1000 {
		b.mu.Lock()
		n := len(b.lanes)
		b.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("a lane is still running with no call decoding")
}

// TestBatcherCancel cancels calls half-way, at their first token, while
// others share their decoder: the cancelled calls end with the context's
// error, the others with what Translate gives them.
func TestBatcherCancel(t *testing.T) {
	tr := openTiny(t, "tiny-relu-untied")
	req := Request{Texts: []string{texts[3]}, Options: Options{BeamSize: 2, MaxLength: 30, Attention: true}}
	want, _ := translateAlone(t, tr, req)
	b := tr.NewBatcher(8, 2, 1)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stream func(Event)
			if i%2 == 0 {
				stream = func(e Event) {
					if e.Token != nil {
						cancel()
					}
				}
			}
			out, err := b.Translate(ctx, req, stream)
			switch {
			case stream != nil && !errors.Is(err, context.Canceled):
				errs <- fmt.Errorf("call %d cancelled at its first token: err %v", i, err)
			case stream == nil && err != nil:
				errs <- fmt.Errorf("call %d: %v", i, err)
			case stream == nil && !reflect.DeepEqual(out, want):
				errs <- fmt.Errorf("call %d: batched %+v\nalone %+v", i, out, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitIdle(t, b)
}

// TestBatcherEncodesBeforeJoining: a call's sentences are encoded on its
// own goroutine before they go to a lane, so that a call whose context has
// ended by then never starts one, and one that gets through joins with its
// encoder states ready.
func TestBatcherEncodesBeforeJoining(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	b := tr.NewBatcher(4, 2, 1)
	started := 0
	b.spawn = func(int) { started++ }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := Request{Texts: []string{texts[0], texts[1]}, Options: Options{BeamSize: 2, MaxLength: 20}}
	if _, err := b.Translate(ctx, req, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
	b.mu.Lock()
	if started != 0 {
		t.Errorf("a cancelled call started %d lanes", started)
	}
	b.mu.Unlock()
	want, _ := translateAlone(t, tr, req)
	out, err := b.Translate(context.Background(), req, nil)
	if err != nil || !reflect.DeepEqual(out, want) {
		t.Errorf("batched %+v, %v\nalone %+v", out, err, want)
	}
	waitIdle(t, b)
}

// TestBatcherEncodesArrivalsTogether: the calls that arrive while the
// encoder is busy are encoded in one pass, and each gets what Translate
// gives it alone.
func TestBatcherEncodesArrivalsTogether(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	b := tr.NewBatcher(4, 2, 1)
	var mu sync.Mutex
	var passes []int
	b.pass = func(n int) {
		mu.Lock()
		passes = append(passes, n)
		mu.Unlock()
	}
	reqs := []Request{
		{Texts: []string{texts[0]}, Options: Options{BeamSize: 2, MaxLength: 20}},
		{Texts: []string{texts[1], texts[3]}, Options: Options{BeamSize: 2, MaxLength: 20}},
		{Texts: []string{texts[4]}, Options: Options{BeamSize: 1, MaxLength: 20}},
	}
	wants := make([][]Translation, len(reqs))
	for i, r := range reqs {
		wants[i], _ = translateAlone(t, tr, r)
	}
	e := &b.enc
	e.mu.Lock()
	e.busy = true // as if a call were encoding
	e.mu.Unlock()
	var wg sync.WaitGroup
	errs := make(chan error, len(reqs))
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := callAsAlone(b, i, r, wants[i]); err != nil {
				errs <- err
			}
		}()
	}
	for waiting := 0; waiting < len(reqs); {
		time.Sleep(time.Millisecond)
		e.mu.Lock()
		if e.next != nil {
			waiting = len(e.next.parts)
		}
		e.mu.Unlock()
	}
	e.mu.Lock()
	e.busy = false
	e.mu.Unlock()
	if err := b.encode(context.Background(), nil); err != nil { // the busy call's turn
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mu.Lock()
	if len(passes) != 1 {
		t.Errorf("encoder passes of %v sentences, want one for the three calls", passes)
	}
	mu.Unlock()
	waitIdle(t, b)
}

// TestBatcherRefusesAsTranslate: a bad request gets Translate's error, and
// options a lane cannot share decode alone.
func TestBatcherRefusesAsTranslate(t *testing.T) {
	tr := openTiny(t, "tiny-swish-shared")
	b := tr.NewBatcher(4, 2, 1)
	bad := Request{Texts: []string{"\xff"}, Options: Options{BeamSize: 1}}
	_, want := tr.Translate(context.Background(), bad, nil)
	if _, err := b.Translate(context.Background(), bad, nil); err == nil || err.Error() != want.Error() {
		t.Errorf("invalid UTF-8: %v, want %v", err, want)
	}
	if b.Batches(Request{Options: Options{Ensemble: true}}) || b.Batches(Request{Options: Options{Rerank: 1}}) {
		t.Error("an ensemble or reranked call would share a lane")
	}
	if !b.Batches(Request{Options: Options{BeamSize: 5, NBest: 2, Attention: true}}) {
		t.Error("a plain beam search would not share a lane")
	}
}

// TestBatcherReusesEndedLanes makes calls one after another, so that each
// lane ends before the next call: a lane of the same options takes over
// the decoder of the lane before it, the Batcher keeps no more of them
// than lanes run at once, and every call still gets exactly what
// Translate gives it alone.
func TestBatcherReusesEndedLanes(t *testing.T) {
	tr := withTestShortlist(t, openTiny(t, "tiny-swish-shared"))
	greedy := Options{BeamSize: 1, MaxLength: 20, Attention: true}
	beam := Options{BeamSize: 3, NBest: 2, MaxLength: 20}
	reqs := []Request{
		{Texts: []string{texts[0]}, Options: greedy},
		{Texts: []string{texts[1], texts[2]}, Options: greedy},
		{Texts: texts, Options: beam},
		{Texts: []string{texts[4]}, Options: Options{BeamSize: 2, MaxLength: 20}},
		{Texts: []string{texts[3]}, Options: greedy},
	}
	b := tr.NewBatcher(3, 2, 1)
	var first *idleLane
	for i, r := range reqs {
		want, _ := translateAlone(t, tr, r)
		if err := callAsAlone(b, i, r, want); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, b)
		b.mu.Lock()
		idle := append([]idleLane(nil), b.idle...)
		b.mu.Unlock()
		if len(idle) == 0 || len(idle) > 2 {
			t.Fatalf("call %d: %d decoders kept, want 1 or 2", i, len(idle))
		}
		switch i {
		case 0:
			first = &idle[0]
		case 1:
			if idle[0].dec != first.dec || idle[0].search != first.search {
				t.Error("the second greedy call's lane did not take over the first one's decoder")
			}
		}
	}
}
