package gateway

import (
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestLibreTranslateNodeClient runs a LibreTranslate client nobody here
// wrote, the npm package libretranslate (pinned by
// testdata/libretranslate/package-lock.json, installed by
// scripts/deps.sh test with npm ci), under Node against a live server,
// and checks what it gets back. It skips only when node is missing.
func TestLibreTranslateNodeClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (Debian package nodejs, scripts/deps.sh test)")
	}
	dir := filepath.Join("testdata", "libretranslate")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "libretranslate", "package.json")); err != nil {
		t.Fatalf("the npm package libretranslate is not installed in %s: run scripts/deps.sh test (npm ci): %v", dir, err)
	}
	l := startLive(t, Options{}, nil)
	ctx := l.ctx
	cmd := exec.CommandContext(ctx, node, "client.js", l.url)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("node client.js: %v\n%s%s", err, out, stderr)
	}
	var got struct{ Auto, Explicit, HTML, Unknown string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the client printed %s: %v", out, err)
	}
	want := struct{ Auto, Explicit, HTML, Unknown string }{
		Auto:     grpcText(t, ctx, l, "es", "en", spanish),
		Explicit: grpcText(t, ctx, l, "en", "es", english),
		HTML:     "<p>" + html.EscapeString(grpcText(t, ctx, l, "en", "es", english)) + "</p>",
		Unknown:  "This language was not found/does not exist.",
	}
	if got != want {
		t.Errorf("the libretranslate client got\n%+v\nwant\n%+v", got, want)
	}
}
