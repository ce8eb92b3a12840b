package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/translated/translated/cmd/translated/server/servertest"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The command's tests: flags, exit codes, and the whole program over TCP.
// The service itself is tested in package server.

// TestMain fails the package when a test leaves goroutines behind. The
// matrix-product helpers of nmt/tensor are not leaks: they are started
// once and serve the whole process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/translated/translated/nmt/tensor.help"))
}

// testModels links the tiny test models under pair names: en-es and es-en.
const testModels = "testdata/models"

// testContext bounds a test that talks to a server, so that a hang is a
// failure with a stack rather than a stuck run.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer = servertest.Buffer

// command is the command started as main starts it.
type command struct {
	addrs listening
	logs  *syncBuffer
	stop  context.CancelFunc // as SIGTERM
	exit  chan int           // run's exit code, once it returns
}

// startCommand runs the command with args and waits until it listens. If
// the test ends first, the command is stopped.
func startCommand(t *testing.T, ctx context.Context, args ...string) *command {
	t.Helper()
	runCtx, stop := context.WithCancel(ctx)
	c := &command{logs: &syncBuffer{}, stop: stop, exit: make(chan int, 1)}
	ready := make(chan listening, 1)
	go func() { c.exit <- run(runCtx, args, c.logs, func(a listening) { ready <- a }) }()
	t.Cleanup(stop)
	select {
	case c.addrs = <-ready:
	case code := <-c.exit:
		t.Fatalf("run exited with %d: %s", code, c.logs)
	}
	return c
}

// stopped stops the command and fails the test unless it exits with 0.
func (c *command) stopped(t *testing.T) {
	t.Helper()
	c.stop()
	if code := <-c.exit; code != 0 {
		t.Fatalf("exit code %d after stop: %s", code, c.logs)
	}
}

// TestRun starts the command as main does, on loopback ports, translates
// over TCP, reads /metrics, stops it (as SIGTERM does) and reads its logs.
func TestRun(t *testing.T) {
	ctx := testContext(t)
	c := startCommand(t, ctx, "-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
		"-log-format", "json", "-workers", "1")
	a, logs := c.addrs, c.logs
	conn, err := grpc.NewClient(a.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := translatev1.NewTranslationServiceClient(conn).Translate(ctx,
		&translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Texts: []string{"Hello world."}})
	if err != nil || len(resp.Translations) != 1 {
		t.Fatalf("Translate: %v, %v", resp, err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a.metrics+"/metrics", nil)
	mresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`translated_requests_total{code="OK",method="Translate"} 1`,
		`translated_request_duration_seconds_count{method="Translate"} 1`,
		`translated_tokens_total{direction="source",model="en-es"}`,
		`translated_decode_tokens_per_second_count{model="en-es"} 1`,
		`translated_queue_depth 0`,
		`translated_workers_busy 0`,
		`translated_models 3`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	c.stopped(t)
	out := logs.String()
	for _, want := range []string{`"msg":"serving"`, `"method":"Translate"`, `"model":"en-es"`, `"tokens_in":`, `"tokens_out":`, `"latency":`, `"code":"OK"`, `"msg":"stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}

// TestRunCPUProfile serves with -cpuprofile and finds the profile written
// once the command stops.
func TestRunCPUProfile(t *testing.T) {
	ctx := testContext(t)
	path := filepath.Join(t.TempDir(), "cpu.prof")
	c := startCommand(t, ctx, "-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-cpuprofile", path)
	c.stopped(t)
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("profile: %v, %v", st, err)
	}
}

func TestRunRefusesBadSetups(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		log  string
	}{
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"no models", []string{"-models", empty, "-addr", "127.0.0.1:0", "-metrics-addr", ""}, 3, "no model directory"},
		{"missing directory", []string{"-models", empty + "/absent", "-metrics-addr", ""}, 3, "cannot load models"},
		{"bad heads", []string{"-models", testModels, "-alignment-heads", "layer=7", "-metrics-addr", ""}, 2, "layer 7 out of range"},
		{"bad shifted heads", []string{"-models", testModels, "-alignment-heads", "layer=7,shift", "-metrics-addr", ""}, 2, "layer 7 out of range"},
		{"cert without key", []string{"-tls-cert", "x.pem"}, 2, "-tls-cert and -tls-key go together"},
		{"client CA without cert", []string{"-tls-client-ca", "ca.pem"}, 2, "-tls-client-ca needs -tls-cert"},
		{"missing cert", []string{"-tls-cert", empty + "/x.pem", "-tls-key", empty + "/x.key", "-metrics-addr", ""}, 2, "TLS certificate"},
		{"missing token file", []string{"-token-file", empty + "/tokens", "-metrics-addr", ""}, 2, "token file"},
		{"bad size", []string{"-memory-budget", "lots"}, 2, "not a size"},
		{"zero decode time", []string{"-max-decode-time", "0s"}, 2, "MaxDecodeTime must be positive"},
		{"zero workers", []string{"-workers", "0"}, 2, "Workers must be at least 1"},
		{"negative queue", []string{"-queue", "-1"}, 2, "Queue must not be negative"},
		{"negative lanes", []string{"-lanes", "-1"}, 2, "Lanes must not be negative"},
		{"negative lane fill", []string{"-lane-fill", "-1"}, 2, "LaneFill must not be negative"},
		{"zero limit", []string{"-max-beam", "0"}, 2, "Limits.MaxBeam must be at least 1"},
		{"bad log format", []string{"-log-format", "xml"}, 2, "-log-format must be text or json"},
		{"bad dtype", []string{"-dtype", "f8"}, 2, "-dtype \"f8\": only int8 is known"},
		{"CORS without HTTP", []string{"-cors-origins", "https://example.org"}, 2, "-cors-origins needs -http-addr"},
		{"bad CORS origin", []string{"-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-http-addr", "127.0.0.1:0", "-cors-origins", "example.org"}, 1, "cannot start the HTTP gateway"},
		{"HTTP address taken", []string{"-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-http-addr", "256.0.0.1:0"}, 1, "cannot listen"},
		{"stray argument", []string{"extra"}, 2, "unexpected arguments"},
		{"profile in a missing directory", []string{"-models", testModels, "-metrics-addr", "", "-cpuprofile", empty + "/absent/cpu.prof"}, 2, "cannot start"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			if code := run(testContext(t), tc.args, logs, nil); code != tc.code || !strings.Contains(logs.String(), tc.log) {
				t.Errorf("exit %d, want %d with %q in:\n%s", code, tc.code, tc.log, logs)
			}
		})
	}
}
