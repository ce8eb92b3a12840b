package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// docExample is one `sh` block of docs/api.md.
type docExample struct {
	line   int    // where the block starts
	script string // the block, run by bash
	fails  string // from "# expect failure: X": the example must fail printing X
}

// docExamples reads the sh blocks of a Markdown file.
func docExamples(t *testing.T, path string) []docExample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []docExample
	var cur *docExample
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &docExample{line: n}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			if x, ok := strings.CutPrefix(line, "# expect failure: "); ok {
				cur.fails = x
			}
			cur.script += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// grpcurl returns the repository's root and its grpcurl, which
// scripts/deps.sh test (or scripts/grpcurl.sh) builds into .bin/ from the
// version go.mod pins, before any test runs: a test never builds a tool
// under its own timeout.
func grpcurl(t *testing.T) (root, bin string) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(root, ".bin", "grpcurl")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("grpcurl is not built (%v): run scripts/deps.sh test, or scripts/grpcurl.sh", err)
	}
	return root, bin
}

// TestAPIDocExamples runs every example of docs/api.md against a live
// server: the command as main runs it, gRPC and HTTP on loopback ports
// (in place of localhost:50051 and localhost:8080), serving the test
// models as en-es, es-en and en-es-relu; grpcurl (pinned, installed into
// .bin by scripts/grpcurl.sh), curl and a freshly built translate-cli on
// PATH.
func TestAPIDocExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds translate-cli")
	}
	ctx := testContext(t)
	root, _ := grpcurl(t)
	bin := t.TempDir()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../translate-cli").CombinedOutput(); err != nil {
		t.Fatalf("building translate-cli: %v\n%s", err, out)
	}

	c := startCommand(t, ctx, "-models", testModels, "-addr", "127.0.0.1:0", "-metrics-addr", "", "-http-addr", "127.0.0.1:0")
	defer c.stopped(t)
	addrs := c.addrs

	examples := docExamples(t, filepath.Join(root, "docs", "api.md"))
	if len(examples) < 5 {
		t.Fatalf("found %d examples in docs/api.md", len(examples))
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+filepath.Join(root, ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, ex := range examples {
		script := strings.ReplaceAll(strings.ReplaceAll(ex.script, "localhost:50051", addrs.grpc), "localhost:8080", addrs.http)
		cmd := exec.CommandContext(ctx, "bash", "-eo", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = root, env
		out, err := cmd.CombinedOutput()
		switch {
		case ex.fails != "" && (err == nil || !strings.Contains(string(out), ex.fails)):
			t.Errorf("docs/api.md:%d: want a failure printing %q, got %v:\n%s", ex.line, ex.fails, err, out)
		case ex.fails == "" && err != nil:
			t.Errorf("docs/api.md:%d: %v\n%s\n%s", ex.line, err, script, out)
		case ex.fails == "" && len(strings.TrimSpace(string(out))) == 0:
			t.Errorf("docs/api.md:%d: no output", ex.line)
		}
	}
}
