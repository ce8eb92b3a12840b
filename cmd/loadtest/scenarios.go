package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/cmd/translated/server/servertest"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// scenario runs one load against c's server and records every call in rec.
type scenario func(ctx context.Context, c config, rec *recorder) error

var scenarios = map[string]scenario{
	"streams":   streams,
	"cancel":    cancelStorm,
	"slow":      slowReaders,
	"oversize":  oversize,
	"malformed": malformed,
	"sigterm":   sigterm,
	"one":       one,
}

// dial opens a connection of its own: one client for the server's
// fairness.
func dial(c config, opts ...grpc.DialOption) (*grpc.ClientConn, translatev1.TranslationServiceClient, error) {
	conn, err := grpc.NewClient(c.addr, append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30)))...)
	if err != nil {
		return nil, nil, err
	}
	return conn, translatev1.NewTranslationServiceClient(conn), nil
}

// shortRequest is the everyday request of the timed scenarios.
func shortRequest(c config) *translatev1.TranslateRequest {
	return &translatev1.TranslateRequest{SourceLanguageCode: c.from, TargetLanguageCode: c.to,
		Texts:   []string{"The old man walked to the market in the morning. He bought bread and fish."},
		Options: &translatev1.DecodingOptions{BeamSize: 4, MaxLength: 64}}
}

// clients runs n clients, each on its own connection, calling call back to
// back until ctx ends, the scenario's calls run out, or (when last is not
// nil) last says a call's error was a client's last. A refusal with a
// RetryInfo waits for its delay, as a polite client does.
func clients(ctx context.Context, c config, rec *recorder, n int, last func(error) bool, call func(context.Context, translatev1.TranslationServiceClient) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	// The deadline may pass a moment before ctx says so, and gRPC fails a
	// call at once past it: the clock decides when the scenario is over.
	end, _ := ctx.Deadline()
	over := func() bool { return ctx.Err() != nil || !time.Now().Before(end) }
	var wg sync.WaitGroup
	for range n {
		conn, client, err := dial(c)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			for !over() && rec.more(c.maxCalls) {
				start := time.Now()
				err := call(ctx, client)
				if over() && status.Code(err) != codes.OK {
					return // the scenario's end cut it short: not a result
				}
				rec.add(err, time.Since(start))
				if last != nil && last(err) {
					return
				}
				if d := retryDelay(err); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
					}
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func retryDelay(err error) time.Duration {
	for _, d := range status.Convert(err).Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

// readStream calls TranslateStream and reads it to its end.
func readStream(ctx context.Context, client translatev1.TranslationServiceClient, req *translatev1.TranslateRequest) error {
	st, err := client.TranslateStream(ctx, req)
	if err != nil {
		return err
	}
	for {
		if _, err := st.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func streams(ctx context.Context, c config, rec *recorder) error {
	return clients(ctx, c, rec, c.streams, nil, func(ctx context.Context, cl translatev1.TranslationServiceClient) error {
		return readStream(ctx, cl, shortRequest(c))
	})
}

// cancelStorm opens streams and cancels each at its first event.
func cancelStorm(ctx context.Context, c config, rec *recorder) error {
	return clients(ctx, c, rec, c.streams, nil, func(ctx context.Context, cl translatev1.TranslationServiceClient) error {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		st, err := cl.TranslateStream(sctx, shortRequest(c))
		if err != nil {
			return err
		}
		if _, err := st.Recv(); err != nil {
			return err
		}
		cancel()
		_, err = st.Recv()
		if status.Code(err) == codes.Canceled {
			return nil // the cancellation asked for
		}
		return err
	})
}

// slowReaders opens streams that never read, on connections with a small
// window, and measures everyday calls meanwhile; at the end it reads what
// each slow stream got, and records how it ended in slow.
func slowReaders(ctx context.Context, c config, rec *recorder) error {
	sctx, cancel := context.WithTimeout(ctx, c.duration+time.Minute)
	defer cancel()
	long := shortRequest(c)
	long.Texts = slices.Repeat([]string{syntheticText(1, 60)}, 4)
	long.Options = &translatev1.DecodingOptions{BeamSize: 4, NBest: 4}
	long.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
	var slow []translatev1.TranslationService_TranslateStreamClient
	for range c.slow {
		conn, client, err := dial(c, grpc.WithInitialWindowSize(1<<16), grpc.WithInitialConnWindowSize(1<<16))
		if err != nil {
			return err
		}
		defer conn.Close()
		st, err := client.TranslateStream(sctx, long)
		if err != nil {
			return err
		}
		slow = append(slow, st)
	}
	err := clients(ctx, c, rec, max(1, c.streams/8), nil, func(ctx context.Context, cl translatev1.TranslationServiceClient) error {
		_, err := cl.Translate(ctx, shortRequest(c))
		return err
	})
	for _, st := range slow {
		start := time.Now()
		for {
			if _, err := st.Recv(); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				rec.addSlow(err, time.Since(start))
				break
			}
		}
	}
	return err
}

// sequential makes count calls one after the other.
func sequential(ctx context.Context, c config, rec *recorder, call func(context.Context, *grpc.ClientConn) error) error {
	conn, _, err := dial(c)
	if err != nil {
		return err
	}
	defer conn.Close()
	for range c.count {
		start := time.Now()
		rec.add(call(ctx, conn), time.Since(start))
	}
	return nil
}

func oversize(ctx context.Context, c config, rec *recorder) error {
	req := shortRequest(c)
	req.Texts = []string{strings.Repeat("a", 8<<20)}
	return sequential(ctx, c, rec, func(ctx context.Context, conn *grpc.ClientConn) error {
		_, err := translatev1.NewTranslationServiceClient(conn).Translate(ctx, req)
		return err
	})
}

func malformed(ctx context.Context, c config, rec *recorder) error {
	return sequential(ctx, c, rec, func(ctx context.Context, conn *grpc.ClientConn) error {
		junk := make([]byte, 64)
		for i := range junk {
			junk[i] = byte(rand.IntN(256))
		}
		junk[0] = 0x0a // a length-delimited field 1 whose length runs past the end
		junk[1] = 0xff
		var out []byte
		return conn.Invoke(ctx, translatev1.TranslationService_Translate_FullMethodName, junk, &out, grpc.ForceCodecV2(servertest.RawCodec{}))
	})
}

// sigterm loads the server and stops it with SIGTERM after a quarter of
// the duration; each client stops at its first UNAVAILABLE (the server no
// longer takes calls).
func sigterm(ctx context.Context, c config, rec *recorder) error {
	go func() {
		select {
		case <-time.After(c.duration / 4):
			_ = syscall.Kill(c.pid, syscall.SIGTERM)
		case <-ctx.Done():
		}
	}()
	gone := func(err error) bool { return status.Code(err) == codes.Unavailable }
	return clients(ctx, c, rec, max(1, c.streams/4), gone, func(ctx context.Context, cl translatev1.TranslationServiceClient) error {
		return readStream(ctx, cl, shortRequest(c))
	})
}

// one sends a single request of the size the flags give.
func one(ctx context.Context, c config, rec *recorder) error {
	conn, client, err := dial(c)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := &translatev1.TranslateRequest{SourceLanguageCode: c.from, TargetLanguageCode: c.to,
		Options: &translatev1.DecodingOptions{BeamSize: uint32(c.beam), NBest: uint32(c.nbest)}}
	switch c.alignment {
	case "none":
	case "subword":
		req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD
	case "word":
		req.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_WORD
	default:
		return fmt.Errorf("-alignment %q: want none, subword or word", c.alignment)
	}
	for i := range c.texts {
		req.Texts = append(req.Texts, syntheticText(i, c.tokens))
	}
	start := time.Now()
	_, err = client.Translate(ctx, req)
	rec.add(err, time.Since(start))
	return nil
}

// syntheticText is a text of about words words of plain English, in
// sentences of about fifteen; seed varies it.
func syntheticText(seed, words int) string {
	vocab := strings.Fields("the old man woman child walked to from market house city river in on at morning evening " +
		"he she they bought sold made bread fish water wine and but with a new small great good day night people king land")
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	var b strings.Builder
	for i := 0; i < words; i++ {
		w := vocab[r.IntN(len(vocab))]
		if i%15 == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		if i%15 == 14 || i == words-1 {
			b.WriteString(". ")
		} else {
			b.WriteString(" ")
		}
	}
	return strings.TrimSpace(b.String())
}
