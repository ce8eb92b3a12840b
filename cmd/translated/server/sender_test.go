package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// floodEngine streams 4 KB tokens as fast as its caller takes them until
// its context ends, for a text "flood", after a send on flooding; any
// other text it translates at once into one token.
type floodEngine struct {
	stepEngine
	flooding chan struct{}
}

func (e *floodEngine) Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error) {
	if len(req.Texts) == 0 || req.Texts[0] != "flood" {
		tok := nmt.Token{ID: 7, Piece: "ok", Text: "ok"}
		tr := nmt.Translation{Source: req.Texts[0], Text: "ok", Sentences: []nmt.Sentence{{End: len(req.Texts[0]), Hypotheses: []nmt.Hypothesis{{Text: "ok", Tokens: []nmt.Token{tok}}}}}}
		return []nmt.Translation{tr}, nil
	}
	e.flooding <- struct{}{}
	text := strings.Repeat("x", 4096)
	for p := 0; ; p++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stream(nmt.Event{Pos: p, Token: &nmt.Token{ID: 9, Piece: "x", Text: text}})
	}
}

// TestSlowStreamReader opens a TranslateStream from a client that never
// reads it (a 64 KiB flow-control window that fills, and no Recv), on a
// server of one worker. Decoding must not wait on that client: the call
// ends with RESOURCE_EXHAUSTED naming the limit that ended it, the worker
// is free for another client's call, and the slow client, when it reads at
// last, finds the status after the events sent before it.
func TestSlowStreamReader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*Options)
		limit string
		// sent: events reached the client before the limit ended the call
		// (a blocked write follows a full window; a buffer can fill
		// before the first write, with a decoder this fast)
		sent bool
	}{
		{"buffer full", func(o *Options) { o.StreamBuffer = 64 << 10 }, "--stream-buffer", false},
		{"send blocked", func(o *Options) { o.StreamBuffer, o.SendTimeout = 1<<30, time.Millisecond }, "--send-timeout", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			cfg := testConfig()
			cfg.Workers, cfg.Queue = 1, 1
			tc.setup(&cfg)
			e := &floodEngine{flooding: make(chan struct{}, 1)}
			h := startServer(t, "tcp", cfg, fakeModels(e))
			slow, err := grpc.NewClient(h.conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithInitialWindowSize(1<<16), grpc.WithInitialConnWindowSize(1<<16))
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			st, err := translatev1.NewTranslationServiceClient(slow).TranslateStream(ctx, fakeRequest("flood"))
			if err != nil {
				t.Fatal(err)
			}
			<-e.flooding // the stream holds the worker
			// The worker comes back while the client still reads nothing.
			if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 0 && w == 0 }); err != nil {
				t.Fatalf("the slow reader's worker never came back: %v", err)
			}
			if _, err := h.client.Translate(ctx, fakeRequest("next")); err != nil {
				t.Fatalf("another client's call after the slow reader: %v", err)
			}
			events := 0
			for {
				if _, err = st.Recv(); err != nil {
					break
				}
				events++
			}
			if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), tc.limit) {
				t.Fatalf("slow reader's stream ended with %v, want ResourceExhausted naming %s", err, tc.limit)
			}
			if tc.sent && events == 0 {
				t.Errorf("the slow reader got no event before the status")
			}
		})
	}
}

// TestStreamSenderOrder sends through a streamSender whose client reads
// every message: all arrive, in order, and wait reports success.
func TestStreamSenderOrder(t *testing.T) {
	var got []uint32
	snd := newStreamSender(func(m *translatev1.TranslateStreamResponse) error {
		got = append(got, m.GetTextIndex())
		return nil
	}, 1<<20, 1<<20, time.Minute)
	for i := range 100 {
		if err := snd.push(&translatev1.TranslateStreamResponse{TextIndex: uint32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	snd.close()
	if err := snd.wait(); err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != uint32(i) {
			t.Fatalf("message %d has index %d", i, v)
		}
	}
	if len(got) != 100 {
		t.Fatalf("%d messages sent, want 100", len(got))
	}
}

// TestStreamSenderBuffer: with its client stuck, a sender takes token
// events up to its limit and refuses the next, naming the limit, while a
// text's result still passes (it is the reply, bounded elsewhere).
func TestStreamSenderBuffer(t *testing.T) {
	unblock := make(chan struct{})
	snd := newStreamSender(func(*translatev1.TranslateStreamResponse) error {
		<-unblock
		return nil
	}, 1000, 1<<20, time.Hour)
	defer func() { close(unblock); snd.abort() }()
	token := &translatev1.TranslateStreamResponse{Event: &translatev1.TranslateStreamResponse_Token{
		Token: &translatev1.TokenEvent{Token: &translatev1.Token{Text: strings.Repeat("x", 90)}}}}
	var err error
	n := 0
	for ; err == nil && n < 100; n++ {
		err = snd.push(token)
	}
	if status.Code(toStatus(quietLogger(), err)) != codes.ResourceExhausted || !strings.Contains(err.Error(), "--stream-buffer") {
		t.Fatalf("after %d token events: %v, want a refusal naming --stream-buffer", n, err)
	}
	result := &translatev1.TranslateStreamResponse{Event: &translatev1.TranslateStreamResponse_Result{
		Result: &translatev1.Translation{Text: strings.Repeat("y", 5000)}}}
	if err := snd.push(result); err != nil {
		t.Fatalf("a result event with the buffer full: %v", err)
	}
}
