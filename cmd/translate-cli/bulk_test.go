package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// mainEnv makes the test binary run translate-cli's main instead of the
// tests: TestBulkKilled runs the command as a process of its own, to kill.
const mainEnv = "TRANSLATE_CLI_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// bulkLines are the test input's lines: unique texts in several scripts,
// with empty lines among them (indexes 3, 10, 17, …), but not last.
func bulkLines(n int) []string {
	lines := make([]string, n)
	for i := range lines {
		if i%7 == 3 && i < n-1 {
			continue
		}
		lines[i] = fmt.Sprintf("Line %d: the house is red. Café ‏שלום 你好 👩‍👩‍👧!", i)
	}
	return lines
}

// writeInput writes lines, one with a CRLF ending and the last with no
// newline at all.
func writeInput(t *testing.T, path string, lines []string) {
	t.Helper()
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(l)
		switch {
		case i == 5:
			b.WriteString("\r\n")
		case i < len(lines)-1:
			b.WriteString("\n")
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// bulkFlags are the model and decoding flags of every run below.
var bulkFlags = []string{"--from", "en", "--to", "es", "--beam", "1", "--max-length", "6", "--batch", "2"}

// stdinReference translates the input file through the stdin mode,
// which the bulk mode must match byte for byte.
func stdinReference(t *testing.T, server, input string) string {
	t.Helper()
	in, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, string(in), append([]string{"translate", "--server", server}, bulkFlags...)...)
	if code != exitOK {
		t.Fatalf("stdin mode: exit %d: %s", code, errs)
	}
	return out
}

// bulkSetup writes an input of n lines (bulkLines) and returns its path,
// the output's, the lines, and what the stdin mode prints for them
// through r.
func bulkSetup(t *testing.T, r *replica, n int) (input, output string, lines []string, want string) {
	t.Helper()
	dir := t.TempDir()
	input, output = filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	lines = bulkLines(n)
	writeInput(t, input, lines)
	return input, output, lines, stdinReference(t, r.addr, input)
}

// bulkRun runs translate --input --output in this process.
func bulkRun(ctx context.Context, server, input, output string, more ...string) (int, string) {
	var out, errs bytes.Buffer
	args := append(append([]string{"translate", "--server", server, "--input", input, "--output", output}, bulkFlags...), more...)
	code := run(ctx, args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs})
	return code, errs.String()
}

// checkOutput compares the output file with want and checks that the
// journal is gone.
func checkOutput(t *testing.T, output, want string) {
	t.Helper()
	got, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("output differs from the stdin mode's:\n got %q\nwant %q", got, want)
	}
	if _, err := os.Stat(output + journalSuffix); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the journal is still there once the output is complete: %v", err)
	}
}

// TestBulk translates a file over two replicas: the output is the stdin
// mode's, both replicas worked, the journal is gone, and a summary with
// lines/s went to stderr.
func TestBulk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := startReplica(t), startReplica(t)
	dir := t.TempDir()
	input, output := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	lines := bulkLines(41)
	writeInput(t, input, lines)
	want := stdinReference(t, a.addr, input)
	if n := strings.Count(want, "\n"); n != len(lines) {
		t.Fatalf("the stdin mode wrote %d lines for %d", n, len(lines))
	}
	a.calls.Store(0)
	code, errs := bulkRun(ctx, a.addr+","+b.addr, input, output, "--parallel", "4")
	if code != exitOK || !strings.Contains(errs, "lines/s") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	checkOutput(t, output, want)
	if a.calls.Load() == 0 || b.calls.Load() == 0 || a.calls.Load()+b.calls.Load() != 21 {
		t.Errorf("calls: %d and %d, want 21 over both", a.calls.Load(), b.calls.Load())
	}
	// An empty input makes an empty output.
	writeInput(t, input, nil)
	if code, errs := bulkRun(ctx, a.addr, input, output); code != exitOK {
		t.Fatalf("empty input: exit %d:\n%s", code, errs)
	}
	checkOutput(t, output, "")
}

// TestBulkServerLost crashes one of two replicas at its fifth call: the
// calls it had are retried on the other, and the output is whole.
func TestBulkServerLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, b := startReplica(t), startReplica(t)
	dir := t.TempDir()
	input, output := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	writeInput(t, input, bulkLines(60))
	want := stdinReference(t, b.addr, input)
	b.calls.Store(0)
	a.setBefore(func(_ context.Context, n int64, _ *translatev1.TranslateRequest) error {
		if n == 5 {
			go a.crash()
		}
		return nil
	})
	code, errs := bulkRun(ctx, a.addr+","+b.addr, input, output, "--parallel", "4")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	checkOutput(t, output, want)
	t.Logf("calls: %d on the replica that crashed, %d on the other", a.calls.Load(), b.calls.Load())
	// 30 calls of 2 lines; those the crash cut off were sent again.
	if a.calls.Load() < 5 || a.calls.Load()+b.calls.Load() < 30 {
		t.Errorf("calls: %d on the replica that crashed, %d on the other; want 5 or more, and 30 or more in all", a.calls.Load(), b.calls.Load())
	}
}

// gate holds back, while closed, the Translate calls that carry any of
// the held texts, and records the texts of the calls it lets through.
type gate struct {
	mu     sync.Mutex
	closed bool
	held   map[string]bool
	seen   map[string]int
}

func (g *gate) before(ctx context.Context, _ int64, req *translatev1.TranslateRequest) error {
	g.mu.Lock()
	hold := false
	for _, text := range req.Texts {
		hold = hold || g.closed && g.held[text]
	}
	if !hold {
		for _, text := range req.Texts {
			g.seen[text]++
		}
	}
	g.mu.Unlock()
	if hold {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (g *gate) set(closed bool) {
	g.mu.Lock()
	g.closed, g.seen = closed, map[string]int{}
	g.mu.Unlock()
}

// waitJournal waits until output's journal counts at least lines lines.
func waitJournal(ctx context.Context, t *testing.T, output string, lines int64) committed {
	t.Helper()
	for {
		data, _ := os.ReadFile(output + journalSuffix)
		if _, c, err := parseJournal(data); err == nil && c.lines >= lines {
			return c
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the journal never counted %d lines: %q", lines, data)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestBulkKilled kills translate-cli (a process of its own) with SIGKILL
// in the middle of a file, then runs the same command again: the output
// is byte for byte the stdin mode's, and no line the first run had
// committed is translated again.
func TestBulkKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := startReplica(t)
	input, output, lines, want := bulkSetup(t, r, 60)

	// Lines 20 on wait at the replica: the first run commits lines 1–20
	// (10 calls of 2 lines) and no more, and is killed there.
	const commit = 20
	g := &gate{held: map[string]bool{}}
	for _, l := range lines[commit:] {
		if l != "" {
			g.held[l] = true
		}
	}
	g.set(true)
	r.setBefore(g.before)
	args := append([]string{"translate", "--server", r.addr, "--input", input, "--output", output, "--parallel", "3"}, bulkFlags...)
	var errs1 bytes.Buffer
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Stderr = &errs1
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := waitJournal(ctx, t, output, commit)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if done.lines != commit {
		t.Fatalf("the first run committed %d lines, want %d", done.lines, commit)
	}
	if got, _ := os.ReadFile(output); !strings.HasPrefix(want, string(got)) || int64(len(got)) < done.bytes {
		t.Fatalf("after SIGKILL the output (%d bytes, %d committed) is not a prefix of the whole:\n%q", len(got), done.bytes, got)
	}

	g.set(false)
	var errs2 bytes.Buffer
	cmd = exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	cmd.Stderr = &errs2
	if err := cmd.Run(); err != nil {
		t.Fatalf("the second run: %v\n%s", err, &errs2)
	}
	if !strings.Contains(errs2.String(), fmt.Sprintf("resuming at line %d of %d", commit+1, len(lines))) {
		t.Errorf("the second run did not say where it resumed:\n%s", &errs2)
	}
	checkOutput(t, output, want)
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, l := range lines {
		if n := g.seen[l]; l != "" && (i < commit && n != 0 || i >= commit && n != 1) {
			t.Errorf("line %d translated %d times by the second run", i+1, n)
		}
	}
}

// TestBulkResume interrupts a run (as Ctrl-C does), then checks what a
// second run refuses (another input, other flags, a broken journal, an
// output cut shorter than its journal) and that it then completes.
func TestBulkResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := startReplica(t)
	input, output, lines, want := bulkSetup(t, r, 30)
	journalPath := output + journalSuffix

	const commit = 12 // line 13 (index 12) is not empty: calls that carry it wait
	g := &gate{held: map[string]bool{lines[commit]: true}}
	g.set(true)
	r.setBefore(g.before)
	runCtx, interrupt := context.WithCancel(ctx)
	result := make(chan string, 1)
	go func() {
		code, errs := bulkRun(runCtx, r.addr, input, output)
		result <- fmt.Sprintf("exit %d\n%s", code, errs)
	}()
	waitJournal(ctx, t, output, commit)
	interrupt()
	if got := <-result; !strings.Contains(got, fmt.Sprintf("exit %d", exitFailure)) || !strings.Contains(got, "interrupted") || !strings.Contains(got, "run the same command again") {
		t.Fatalf("interrupted run: %s", got)
	}
	g.set(false)
	saved, err := os.ReadFile(journalPath)
	if err != nil {
		t.Fatal(err)
	}

	writeInput(t, input, append(lines, "one more line"))
	if code, errs := bulkRun(ctx, r.addr, input, output); code != exitUsage || !strings.Contains(errs, "the input changed") {
		t.Errorf("another input: exit %d:\n%s", code, errs)
	}
	writeInput(t, input, lines)
	if code, errs := bulkRun(ctx, r.addr, input, output, "--format", "json"); code != exitUsage || !strings.Contains(errs, "flags that shape the output") {
		t.Errorf("other flags: exit %d:\n%s", code, errs)
	}
	if err := os.WriteFile(journalPath, []byte("translate-cli journal 1\nnonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, errs := bulkRun(ctx, r.addr, input, output); code != exitUsage || !strings.Contains(errs, "remove it to start over") {
		t.Errorf("a broken journal: exit %d:\n%s", code, errs)
	}
	if err := os.WriteFile(journalPath, saved, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(output, out[:len(out)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if code, errs := bulkRun(ctx, r.addr, input, output); code != exitUsage || !strings.Contains(errs, "fewer than") {
		t.Errorf("an output shorter than its journal: exit %d:\n%s", code, errs)
	}
	// Bytes past the journal's last record (written before a crash, never
	// recorded) and a record cut short are dropped.
	if err := os.WriteFile(output, append(out, "half a line"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(journalPath, append(saved, "29 99"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, errs := bulkRun(ctx, r.addr, input, output); code != exitOK || !strings.Contains(errs, fmt.Sprintf("resuming at line %d", commit+1)) {
		t.Fatalf("resuming: exit %d:\n%s", code, errs)
	}
	checkOutput(t, output, want)
}

func TestBulkFlags(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.txt")
	writeInput(t, input, []string{"a"})
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--input", input}, "go together"},
		{[]string{"--output", input}, "go together"},
		{[]string{"--parallel", "2"}, "--parallel is for --input"},
		{[]string{"--input", input, "--output", filepath.Join(dir, "o"), "--parallel", "-1"}, "negative"},
		{[]string{"--input", input, "--output", filepath.Join(dir, "o"), "text"}, "excludes texts"},
		{[]string{"--input", input, "--output", input}, "must not be the --input"},
		{[]string{"--input", input, "--output", filepath.Join(dir, ".", "in.txt")}, "must not be the --input"},
		{[]string{"--input", input, "--output", filepath.Join(dir, "o"), "--align-out", filepath.Join(dir, "a")}, "--align-out"},
		{[]string{"--input", filepath.Join(dir, "none"), "--output", filepath.Join(dir, "o"), "--model", tiny}, "--input"},
	} {
		_, errs, code := cli(t, "", append([]string{"translate"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, want %d naming %q:\n%s", c.args, code, exitUsage, c.msg, errs)
		}
	}
}

// TestBulkLocal translates a file with a local model, as the stdin mode
// does.
func TestBulkLocal(t *testing.T) {
	dir := t.TempDir()
	input, output := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	writeInput(t, input, bulkLines(9))
	in, _ := os.ReadFile(input)
	flags := []string{"translate", "--model", tiny, "--beam", "1", "--max-length", "6", "--batch", "2"}
	want, errs, code := cli(t, string(in), flags...)
	if code != exitOK {
		t.Fatalf("stdin mode: exit %d: %s", code, errs)
	}
	if _, errs, code := cli(t, "", append(flags, "--input", input, "--output", output, "--parallel", "2")...); code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkOutput(t, output, want)
}
