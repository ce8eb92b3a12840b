package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestBatchedMatchesAlone serves the same models with continuous batching
// and without, and has many clients call both at once with different
// options (greedy and beam, n-best, alignments, log-probabilities), some
// streaming and some cancelling their stream at its first token: every
// call that is not cancelled gets the very reply of the unbatched server.
func TestBatchedMatchesAlone(t *testing.T) {
	batchedMatchesAlone(t, realModels(t))
}

// TestBatchedMatchesAloneWithShortlist is TestBatchedMatchesAlone with
// the models' shipped vocabulary shortlists (LoadOptions.Shortlists): in
// the lanes, each sentence keeps its own tokens whichever calls share its
// steps, as when it decodes alone.
func TestBatchedMatchesAloneWithShortlist(t *testing.T) {
	ms, err := LoadModelsWith(withShortlist(t), LoadOptions{Heads: avgHeads(), Shortlists: true})
	if err != nil {
		t.Fatal(err)
	}
	req := nmt.Request{Texts: testTexts, Options: nmt.Options{BeamSize: 2, MaxLength: 20}}
	short, err := translator(t, ms, "en-es").Translate(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := translator(t, realModels(t), "en-es").Translate(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(short, whole) {
		t.Fatal("the shortlist changed no translation: was it read?")
	}
	batchedMatchesAlone(t, ms)
}

// withShortlist makes a models directory holding en-es, the tiny model
// of testdata with a shortlist.gz that gives each source token 30
// candidates of its own and 8 frequent tokens.
func withShortlist(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "en-es")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(testModels, "en-es"))); err != nil {
		t.Fatal(err)
	}
	tr, err := nmt.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	info := tr.Info()
	sl := &nmt.Shortlist{Frequent: []int{2, 3, 4, 5, 6, 7, 8, 9}, Candidates: make([][]int, info.SourceVocab)}
	for s := range sl.Candidates {
		for j := range 30 {
			sl.Candidates[s] = append(sl.Candidates[s], (s*37+j*11)%info.TargetVocab)
		}
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := sl.WriteTo(zw); err != nil || zw.Close() != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, nmt.ShortlistFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func batchedMatchesAlone(t *testing.T, ms *Models) {
	ctx := testContext(t)
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

// TestBatchedMatchesAloneInt8 serves the models quantized to int8 at load
// (LoadOptions.Int8) with and without continuous batching: the lanes give
// the int8 model's own replies, and it is int8 that answers.
func TestBatchedMatchesAloneInt8(t *testing.T) {
	ms, err := LoadModelsWith(testModels, LoadOptions{Heads: avgHeads(), Int8: true})
	if err != nil {
		t.Fatal(err)
	}
	if !translator(t, ms, "en-es").Info().Int8 || translator(t, realModels(t), "en-es").Info().Int8 {
		t.Fatal("LoadOptions.Int8 did not decide how the weights are held")
	}
	batchedMatchesAlone(t, ms)
}
