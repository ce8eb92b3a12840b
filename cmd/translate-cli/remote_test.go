package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/translated/translated/nmt"
)

// liveServer is a translated process serving the tiny test model as
// en-es and as es-en (so that en-es can rerank), and another tiny model as
// en-es-relu, on a loopback port.
type liveServer struct {
	addr string
	cmd  *exec.Cmd
}

// linkTestModels makes dir a directory of models for a server: the tiny
// test model as en-es and as es-en (so that en-es can rerank), and another
// tiny model as en-es-relu.
func linkTestModels(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"en-es": tiny, "es-en": tiny, "en-es-relu": tinyRelu} {
		abs, err := filepath.Abs(target)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// startLiveServer builds cmd/translated and runs it for the test.
func startLiveServer(t *testing.T) *liveServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "translated")
	if out, err := exec.Command("go", "build", "-o", bin, "../translated").CombinedOutput(); err != nil {
		t.Fatalf("building translated: %v\n%s", err, out)
	}
	models := linkTestModels(t, filepath.Join(dir, "models"))
	cmd := exec.Command(bin, "-models", models, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-workers", "2")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &liveServer{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	// The "serving" log line carries the bound address.
	addrRE := regexp.MustCompile(`msg=serving addr=(\S+)`)
	sc := bufio.NewScanner(stderr)
	var log strings.Builder
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := addrRE.FindStringSubmatch(sc.Text()); m != nil {
			s.addr = m[1]
			break
		}
	}
	if s.addr == "" {
		t.Fatalf("translated did not start:\n%s", log.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	return s
}

// TestRemoteMatchesLocal prints the same requests translated by a local
// model and by a server, in both output formats, and expects the same
// bytes.
func TestRemoteMatchesLocal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := startLiveServer(t)
	remote, err := dialServer(srv.addr, remoteFlags{}, "", "en", "es")
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	plain, err := nmt.Open(tiny)
	if err != nil {
		t.Fatal(err)
	}
	local, err := plain.WithReverse(plain)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"Hello world.", "", "Two sentences. Here is the second!", "Café cafe\u0301 👩‍👩‍👧 שלום 你好"}
	for _, opts := range []nmt.Options{{BeamSize: 1}, {BeamSize: 3, NBest: 2}, {}, {BeamSize: 3, NBest: 2, Rerank: 1}, {BeamSize: 2, WholeLines: true}} {
		for _, format := range []string{"text", "json"} {
			var want, got, streamed bytes.Buffer
			print := func(w io.Writer, res []nmt.Translation) {
				p, err := newPrinter(format, w)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if err := p.print(r); err != nil {
						t.Fatal(err)
					}
				}
			}
			lres, err := local.Translate(ctx, nmt.Request{Texts: texts, Options: opts}, nil)
			if err != nil {
				t.Fatal(err)
			}
			print(&want, lres)
			rres, err := remote.Translate(ctx, nmt.Request{Texts: texts, Options: opts}, nil)
			if err != nil {
				t.Fatal(err)
			}
			print(&got, rres)
			tokens := 0
			sres, err := remote.Translate(ctx, nmt.Request{Texts: texts, Options: opts}, func(ev nmt.Event) {
				if ev.Token != nil {
					tokens++
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			print(&streamed, sres)
			if got.String() != want.String() || streamed.String() != want.String() {
				t.Fatalf("%+v %s:\nlocal:\n%s\nremote:\n%s\nstreamed:\n%s", opts, format, &want, &got, &streamed)
			}
			if tokens == 0 {
				t.Errorf("%+v: no token streamed", opts)
			}
		}
	}
	// Alignment: the same forced tokens, with attention rebuilt from rows.
	la, err := local.Align(ctx, "Hello world.", "Hola mundo.", nmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := remote.Align(ctx, "Hello world.", "Hola mundo.", nmt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lh, rh := la.Sentences[0].Hypotheses[0], ra.Sentences[0].Hypotheses[0]
	if len(lh.Tokens) != len(rh.Tokens) || lh.Score != rh.Score {
		t.Fatalf("Align: local %+v, remote %+v", lh, rh)
	}
	for i, tok := range rh.Tokens {
		if tok.ID != lh.Tokens[i].ID || len(tok.Attention) != 1 || len(tok.Attention[0][0]) != len(la.Sentences[0].Tokens)+1 {
			t.Fatalf("Align token %d: %+v", i, tok)
		}
	}
	// Whole lines reach the server: two lines holding three sentences are
	// aligned as two units on both sides.
	src, tgt := "One. Two.\nThree.", "Uno. Dos.\nTres."
	for _, whole := range []bool{false, true} {
		want := 3
		if whole {
			want = 2
		}
		la, err := local.Align(ctx, src, tgt, nmt.Options{WholeLines: whole})
		if err != nil {
			t.Fatal(err)
		}
		ra, err := remote.Align(ctx, src, tgt, nmt.Options{WholeLines: whole})
		if err != nil {
			t.Fatal(err)
		}
		if len(la.Sentences) != want || len(ra.Sentences) != want {
			t.Fatalf("whole lines %v: local %d units, remote %d, want %d", whole, len(la.Sentences), len(ra.Sentences), want)
		}
	}
}

// TestRemoteErrors checks that server statuses come back as the errors a
// local model gives, so that commands exit with the same codes.
func TestRemoteErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := startLiveServer(t)
	for _, tc := range []struct {
		from, to string
		opts     nmt.Options
		want     error
	}{
		{"fr", "de", nmt.Options{}, nmt.ErrBadModel},
		{"en", "es", nmt.Options{BeamSize: 2, NBest: 3}, nmt.ErrInvalidArgument},
	} {
		r, err := dialServer(srv.addr, remoteFlags{}, "", tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Translate(ctx, nmt.Request{Texts: []string{"Hi."}, Options: tc.opts}, nil)
		r.Close()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s-%s %+v: %v, want %v", tc.from, tc.to, tc.opts, err, tc.want)
		}
	}
	r, err := dialServer("127.0.0.1:1", remoteFlags{}, "", "en", "es") // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Translate(ctx, nmt.Request{Texts: []string{"Hi."}}, nil); err == nil || !strings.Contains(err.Error(), "Unavailable") {
		t.Errorf("unreachable server: %v", err)
	}
}
