package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestBatchedMatchesAlone serves the same models with continuous batching
// and without, and has many clients call both at once with different
// options (greedy and beam, n-best, alignments, log-probabilities), some
// streaming and some cancelling their stream at its first token: every
// call that is not cancelled gets the very reply of the unbatched server.
func TestBatchedMatchesAlone(t *testing.T) {
	ctx := testContext(t)
	ms := realModels(t)
	cfg := testConfig()
	cfg.Queue = 64
	cfg.BatchSize = 1
	alone := startServer(t, "bufconn", cfg, ms)
	cfg.BatchSize = 4
	batched := startServer(t, "tcp", cfg, ms)
	reqs := []*translatev1.TranslateRequest{
		enEs(testTexts...),
		enEs("Hello world."),
		enEs("Where is the station? I like green tea."),
	}
	reqs[0].Options = &translatev1.DecodingOptions{BeamSize: 1, MaxLength: 30}
	reqs[0].Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
	reqs[1].Options = &translatev1.DecodingOptions{BeamSize: 3, NBest: 2, MaxLength: 30}
	reqs[1].IncludeLogProbs = true
	reqs[2].Options = &translatev1.DecodingOptions{BeamSize: 3, MaxLength: 30}
	reqs[2].Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD
	want := make([]*translatev1.TranslateResponse, len(reqs))
	for i, req := range reqs {
		resp, err := alone.client.Translate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = resp
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for c := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range reqs {
				i := (c + k) % len(reqs)
				if err := batchedCall(ctx, batched.client, reqs[i], want[i], c%3); err != nil {
					errs <- fmt.Errorf("client %d request %d: %w", c, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBatcherLanesFollowOptions: a server's batchers run up to
// Options.Lanes lanes for a set of search options, or one a worker when
// it is 0, another starting when each holds Options.LaneFill sentences.
func TestBatcherLanesFollowOptions(t *testing.T) {
	ms := realModels(t)
	for _, c := range []struct{ workers, lanes, fill, want, wantFill int }{{2, 0, 0, 2, 1}, {3, 1, 1, 1, 1}, {1, 2, 8, 2, 8}} {
		cfg := testConfig()
		cfg.Workers, cfg.Lanes, cfg.LaneFill = c.workers, c.lanes, c.fill
		srv, err := New(cfg, ms)
		if err != nil {
			t.Fatal(err)
		}
		if len(srv.batchers) == 0 {
			t.Fatal("no batcher with the default batch size")
		}
		for _, b := range srv.batchers {
			if most, fill := b.Lanes(); most != c.want || fill != c.wantFill {
				t.Errorf("workers %d, lanes %d, fill %d: a batcher runs %d lanes of %d, want %d of %d", c.workers, c.lanes, c.fill, most, fill, c.want, c.wantFill)
			}
		}
	}
}

// batchedCall makes one call of mode 0 (Translate), 1 (TranslateStream
// read to its end) or 2 (TranslateStream cancelled at its first token),
// and checks what it got against want.
func batchedCall(ctx context.Context, client translatev1.TranslationServiceClient, req *translatev1.TranslateRequest, want *translatev1.TranslateResponse, mode int) error {
	if mode == 0 {
		resp, err := client.Translate(ctx, req)
		if err != nil {
			return err
		}
		if !proto.Equal(resp, want) {
			return fmt.Errorf("batched reply %v\nalone %v", resp, want)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := client.TranslateStream(ctx, req)
	if err != nil {
		return err
	}
	for {
		ev, err := st.Recv()
		switch {
		case errors.Is(err, io.EOF): // mode 2: done before the cancellation arrived
			return nil
		case mode == 2 && status.Code(err) == codes.Canceled:
			return nil
		case err != nil:
			return err
		}
		if mode == 2 && ev.GetToken() != nil {
			cancel()
		}
		if r := ev.GetResult(); r != nil && !proto.Equal(r, want.Translations[ev.TextIndex]) {
			return fmt.Errorf("text %d: streamed %v\nalone %v", ev.TextIndex, r, want.Translations[ev.TextIndex])
		}
	}
}
