package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

func TestServerTarget(t *testing.T) {
	for _, c := range []struct {
		in     string
		target string // "" when the list resolver serves it
		n      int
		err    string
	}{
		{"127.0.0.1:50051", "127.0.0.1:50051", 1, ""},
		{" dns:///translated-headless.ns.svc.cluster.local:50051 ", "dns:///translated-headless.ns.svc.cluster.local:50051", 1, ""},
		{"unix:///run/translated.sock", "unix:///run/translated.sock", 1, ""},
		{"a:1,b:2", "", 2, ""},
		{"a:1, [::1]:2 ,c.example:3", "", 3, ""},
		{"", "", 0, "empty"},
		{"a:1,", "", 0, `"" in a list`},
		{"a:1,b", "", 0, `"b" in a list`},
		{"a:1,dns:///b:2", "", 0, "dns:///b:2"},
		{"a:,b:2", "", 0, `"a:"`},
	} {
		target, opts, n, err := serverTarget(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one naming %s", c.in, err, c.err)
			}
			continue
		}
		if err != nil || n != c.n {
			t.Errorf("%q: %d addresses, %v; want %d", c.in, n, err, c.n)
			continue
		}
		if c.target == "" {
			if !strings.HasPrefix(target, listScheme+":") || len(opts) != 1 {
				t.Errorf("%q: target %q with %d options, want the list resolver", c.in, target, len(opts))
			}
		} else if target != c.target || len(opts) != 0 {
			t.Errorf("%q: target %q, want %q", c.in, target, c.target)
		}
	}
}

func FuzzServerTarget(f *testing.F) {
	for _, s := range []string{"127.0.0.1:1", "a:1,b:2", "dns:///x:1", ",", "a:1,,b:2", "[::1]:5,[::2]:6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, _, n, err := serverTarget(s)
		if err != nil {
			return
		}
		if target == "" || n < 1 {
			t.Fatalf("%q: target %q, %d addresses", s, target, n)
		}
		if strings.Contains(strings.TrimSpace(s), ",") && n != strings.Count(s, ",")+1 {
			t.Fatalf("%q: %d addresses", s, n)
		}
	})
}

// TestBalance sends calls through --server a,b,c to three replicas:
// every replica gets some; once one is stopped (as on SIGTERM) and
// another crashes (as on SIGKILL), every call still succeeds, on the
// replica left.
func TestBalance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := []*replica{startReplica(t), startReplica(t), startReplica(t)}
	tr, err := dialServer(rs[0].addr+","+rs[1].addr+","+rs[2].addr, remoteFlags{}, "", "en", "es")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	calls := func(n int) {
		t.Helper()
		for i := range n {
			if _, err := tr.Translate(ctx, nmt.Request{Texts: []string{fmt.Sprintf("Call %d.", i)}, Options: nmt.Options{BeamSize: 1, MaxLength: 4}}, nil); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	}
	counts := func() [3]int64 { return [3]int64{rs[0].calls.Load(), rs[1].calls.Load(), rs[2].calls.Load()} }

	// Calls go to the replicas connected so far: once all three are, the
	// next 30 calls go round them.
	for c := counts(); c[0] == 0 || c[1] == 0 || c[2] == 0; c = counts() {
		calls(1)
	}
	before := counts()
	calls(30)
	first := counts()
	t.Logf("30 calls over three replicas: %v, then %v", before, first)
	for i := range first {
		if first[i]-before[i] < 5 {
			t.Errorf("replica %d got %d calls of 30: %v, then %v", i, first[i]-before[i], before, first)
		}
	}

	rs[0].stop()
	calls(20)
	second := counts()
	t.Logf("20 calls once replica 0 stopped: %v", second)
	if second[0] != first[0] || second[1] == first[1] || second[2] == first[2] {
		t.Errorf("after replica 0 stopped: %v, then %v; want its share on replicas 1 and 2", first, second)
	}

	rs[1].crash()
	calls(10)
	third := counts()
	t.Logf("10 calls once replica 1 crashed: %v", third)
	if third[2]-second[2] < 10 {
		t.Errorf("after replica 1 crashed: %v, then %v; want every call on replica 2", second, third)
	}
}

// TestBalanceTarget reaches a replica through a dns:/// target.
func TestBalanceTarget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := startReplica(t)
	tr, err := dialServer("dns:///"+r.addr, remoteFlags{}, "", "en", "es")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Translate(ctx, nmt.Request{Texts: []string{"Hi."}, Options: nmt.Options{BeamSize: 1, MaxLength: 4}}, nil); err != nil || r.calls.Load() != 1 {
		t.Fatalf("dns:/// target: %v, %d calls", err, r.calls.Load())
	}
}

// busyServer refuses its first busy calls with RESOURCE_EXHAUSTED, with
// RetryInfo when retry is positive, then answers.
type busyServer struct {
	translatev1.UnimplementedTranslationServiceServer
	busy  int
	retry time.Duration
	calls int
}

func (b *busyServer) Translate(ctx context.Context, req *translatev1.TranslateRequest) (*translatev1.TranslateResponse, error) {
	b.calls++
	if b.calls <= b.busy {
		st := status.New(codes.ResourceExhausted, "busy")
		if b.retry > 0 {
			st, _ = st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(b.retry)})
		}
		return nil, st.Err()
	}
	return &translatev1.TranslateResponse{}, nil
}

// TestBusyRetry checks busyRetry against a server that is busy: it waits
// as long as RetryInfo says (plus at most a quarter), as many times as
// allowed, and never retries a refusal without RetryInfo.
func TestBusyRetry(t *testing.T) {
	for _, c := range []struct {
		busy      int
		retry     time.Duration
		wantCalls int
		wantOK    bool
	}{
		{busy: 2, retry: 1500 * time.Millisecond, wantCalls: 3, wantOK: true},
		{busy: 9, retry: time.Second, wantCalls: 4, wantOK: false},     // attempts run out
		{busy: 1, retry: 0, wantCalls: 1, wantOK: false},               // no RetryInfo: final
		{busy: 1, retry: 10 * time.Minute, wantCalls: 2, wantOK: true}, // capped at maxDelay
		{busy: 0, retry: time.Second, wantCalls: 1, wantOK: true},      // not busy
	} {
		fake := &busyServer{busy: c.busy, retry: c.retry}
		g := grpc.NewServer()
		translatev1.RegisterTranslationServiceServer(g, fake)
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = g.Serve(lis) }()
		var waits []time.Duration
		b := busyRetry{attempts: 4, maxDelay: 30 * time.Second, sleep: func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		}}
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithChainUnaryInterceptor(b.unary))
		if err != nil {
			t.Fatal(err)
		}
		_, err = translatev1.NewTranslationServiceClient(conn).Translate(context.Background(), &translatev1.TranslateRequest{})
		conn.Close()
		g.Stop()
		if fake.calls != c.wantCalls || (err == nil) != c.wantOK {
			t.Errorf("busy %d, retry %v: %d calls, error %v; want %d calls, success %v", c.busy, c.retry, fake.calls, err, c.wantCalls, c.wantOK)
		}
		if len(waits) != c.wantCalls-1 {
			t.Errorf("busy %d, retry %v: waited %v", c.busy, c.retry, waits)
		}
		for _, w := range waits {
			want := min(c.retry, b.maxDelay)
			if w < want || w > want+want/4 {
				t.Errorf("busy %d, retry %v: waited %v, want %v to %v", c.busy, c.retry, w, want, want+want/4)
			}
		}
		if !c.wantOK && status.Code(err) != codes.ResourceExhausted {
			t.Errorf("busy %d: %v, want RESOURCE_EXHAUSTED", c.busy, err)
		}
	}
}
