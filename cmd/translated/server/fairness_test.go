package server

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// secondClient is another connection to h's server: another client for
// the pool's fairness.
func secondClient(t *testing.T, h *harness) translatev1.TranslationServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(h.conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return translatev1.NewTranslationServiceClient(conn)
}

// stepServer serves a stepEngine of one token per text over TCP, with a
// pool of these sizes.
func stepServer(t *testing.T, workers, queue, perClient int) (*harness, *stepEngine) {
	t.Helper()
	e := newStepEngine(1)
	cfg := testConfig()
	cfg.Workers, cfg.Queue, cfg.PerClient = workers, queue, perClient
	return startServer(t, "tcp", cfg, fakeModels(e)), e
}

// callAsync translates text through c in a goroutine of its own and
// sends the error to errs.
func callAsync(ctx context.Context, c translatev1.TranslationServiceClient, text string, errs chan<- error) {
	go func() {
		_, err := c.Translate(ctx, fakeRequest(text))
		errs <- err
	}()
}

// TestFairAdmission: client A holds the only worker and has two more
// calls queued when client B sends one. When A's call ends, the worker
// goes to B before A's queued calls.
func TestFairAdmission(t *testing.T) {
	ctx := testContext(t)
	h, e := stepServer(t, 1, 8, 8)
	e.names = make(chan string, 10)
	b := secondClient(t, h)
	errs := make(chan error, 4)
	callAsync(ctx, h.client, "a1", errs)
	if got := <-e.names; got != "a1" {
		t.Fatalf("first call to start: %s", got)
	}
	callAsync(ctx, h.client, "a2", errs)
	callAsync(ctx, h.client, "a3", errs)
	if err := h.srv.pool.waitFor(ctx, func(_, w int) bool { return w == 2 }); err != nil {
		t.Fatal(err)
	}
	callAsync(ctx, b, "b1", errs)
	if err := h.srv.pool.waitFor(ctx, func(_, w int) bool { return w == 3 }); err != nil {
		t.Fatal(err)
	}
	var order []string
	for range 3 {
		e.steps <- struct{}{} // the running call ends
		order = append(order, <-e.names)
	}
	e.steps <- struct{}{}
	if order[0] != "b1" {
		t.Errorf("after A's call, %v started in that order; want b1 first", order)
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestPerClientLimit: a client holding its share of places has its next
// call refused with RESOURCE_EXHAUSTED naming --per-client and a
// RetryInfo, while another client's call is queued.
func TestPerClientLimit(t *testing.T) {
	ctx := testContext(t)
	h, e := stepServer(t, 1, 4, 2)
	b := secondClient(t, h)
	errs := make(chan error, 3)
	callAsync(ctx, h.client, "a1", errs)
	callAsync(ctx, h.client, "a2", errs)
	if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 1 && w == 1 }); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.Translate(ctx, fakeRequest("a3"))
	if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "--per-client") || retryInfo(err) == nil {
		t.Fatalf("a client over its share: %v %v, want ResourceExhausted naming --per-client with RetryInfo", err, status.Convert(err).Details())
	}
	callAsync(ctx, b, "b1", errs)
	if err := h.srv.pool.waitFor(ctx, func(busy, w int) bool { return busy == 1 && w == 2 }); err != nil {
		t.Fatal(err)
	}
	close(e.steps)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestMaxDecodeTime: a call that decodes longer than --max-decode-time
// ends with DEADLINE_EXCEEDED naming the limit, and frees its worker.
func TestMaxDecodeTime(t *testing.T) {
	ctx := testContext(t)
	e := newStepEngine(1000) // never given a step: it would decode forever
	cfg := testConfig()
	cfg.Workers, cfg.MaxDecodeTime = 1, time.Millisecond
	h := startServer(t, "bufconn", cfg, fakeModels(e))
	for _, stream := range []bool{false, true} {
		var err error
		if stream {
			var st translatev1.TranslationService_TranslateStreamClient
			if st, err = h.client.TranslateStream(ctx, fakeRequest("long")); err == nil {
				_, err = st.Recv()
			}
		} else {
			_, err = h.client.Translate(ctx, fakeRequest("long"))
		}
		if status.Code(err) != codes.DeadlineExceeded || !strings.Contains(status.Convert(err).Message(), "--max-decode-time") {
			t.Fatalf("stream %v: %v, want DeadlineExceeded naming --max-decode-time", stream, err)
		}
		if err := h.srv.pool.waitFor(ctx, func(busy, _ int) bool { return busy == 0 }); err != nil {
			t.Fatal(err)
		}
	}
}

// rawConn is an HTTP/2 connection to h's server made by hand, to see the
// connection rules as a client sees them.
func rawConn(t *testing.T, h *harness) (*http2.Framer, net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", h.conn.Target())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return fr, c
}

// readUntilGoAway reads frames until a GOAWAY, acknowledging settings; it
// returns the server's settings and the GOAWAY.
func readUntilGoAway(t *testing.T, fr *http2.Framer) (map[http2.SettingID]uint32, *http2.GoAwayFrame) {
	t.Helper()
	settings := map[http2.SettingID]uint32{}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("connection ended without a GOAWAY: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = f.ForeachSetting(func(s http2.Setting) error { settings[s.ID] = s.Val; return nil })
				if err := fr.WriteSettingsAck(); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.GoAwayFrame:
			return settings, f
		}
	}
}

// TestConnectionRules checks, with a client made by hand, that the server
// announces its stream limit, closes a connection left idle past
// --idle-timeout with a GOAWAY, and sends a client that pings too often a
// GOAWAY too.
func TestConnectionRules(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConcurrentStreams, cfg.IdleTimeout = 7, 20*time.Millisecond
	h := startServer(t, "tcp", cfg, fakeModels(newStepEngine(1)))

	fr, c := rawConn(t, h)
	settings, ga := readUntilGoAway(t, fr)
	if got, ok := settings[http2.SettingMaxConcurrentStreams]; !ok || got != 7 {
		t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d (%v), want 7", got, ok)
	}
	if ga.ErrCode != http2.ErrCodeNo {
		t.Errorf("idle connection: GOAWAY %v", ga.ErrCode)
	}
	// The server then closes the connection.
	for {
		if _, err := fr.ReadFrame(); err != nil {
			break
		}
	}
	c.Close()

	cfg.IdleTimeout = time.Hour
	h = startServer(t, "tcp", cfg, fakeModels(newStepEngine(1)))
	fr, _ = rawConn(t, h)
	for i := range 5 {
		if err := fr.WritePing(false, [8]byte{byte(i)}); err != nil {
			break // the server may already have hung up
		}
	}
	_, ga = readUntilGoAway(t, fr)
	if ga.ErrCode != http2.ErrCodeEnhanceYourCalm || !strings.Contains(string(ga.DebugData()), "too_many_pings") {
		t.Errorf("a client that pings too often: GOAWAY %v %q", ga.ErrCode, ga.DebugData())
	}
}

// bufAddr is the address of a peer on LocalConn's in-memory listener.
type bufAddr struct{}

func (bufAddr) Network() string { return "bufconn" }
func (bufAddr) String() string  { return "bufconn" }

// TestClientOf: who a call's client is, for each way a call arrives.
func TestClientOf(t *testing.T) {
	tcp := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 4242}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"named by a gateway", WithClient(context.Background(), "token:ops"), "token:ops"},
		{"a network connection", peer.NewContext(context.Background(), &peer.Peer{Addr: tcp}), "conn:10.0.0.7:4242"},
		{"no peer", context.Background(), "unknown"},
		{"LocalConn without a forwarded address", peer.NewContext(context.Background(), &peer.Peer{Addr: bufAddr{}}), "local"},
		{"LocalConn: the gateway's HTTP client", metadata.NewIncomingContext(
			peer.NewContext(context.Background(), &peer.Peer{Addr: bufAddr{}}),
			metadata.Pairs("x-forwarded-for", "192.0.2.9")), "http:192.0.2.9"},
		{"LocalConn: a forged hop before the gateway's", metadata.NewIncomingContext(
			peer.NewContext(context.Background(), &peer.Peer{Addr: bufAddr{}}),
			metadata.Pairs("x-forwarded-for", "203.0.113.1, 192.0.2.9")), "http:192.0.2.9"},
		{"a network client cannot pose as an HTTP one", metadata.NewIncomingContext(
			peer.NewContext(context.Background(), &peer.Peer{Addr: tcp}),
			metadata.Pairs("x-forwarded-for", "192.0.2.9")), "conn:10.0.0.7:4242"},
	} {
		if got := clientOf(tc.ctx); got != tc.want {
			t.Errorf("%s: client %q, want %q", tc.name, got, tc.want)
		}
	}
}
