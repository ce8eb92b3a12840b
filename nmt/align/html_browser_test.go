package align

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// findChromium returns the path of a Chromium-family browser, or "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestHTMLHoverInBrowser opens the html export in headless Chromium, hovers
// words and checks that their links light up. The screenshot is kept in
// $ALIGN_SCREENSHOT_DIR when set, else in the test's temporary directory.
// Without Chromium the test is skipped, except in CI (CI set), where it
// fails: scripts/deps.sh installs the Debian package chromium.
func TestHTMLHoverInBrowser(t *testing.T) {
	exe := findChromium()
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed but CI is set: install the Debian package chromium (scripts/deps.sh)")
		}
		t.Skip("chromium is not installed (Debian package chromium); skipping the browser test")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "align.html")
	var buf bytes.Buffer
	if err := Write(&buf, FormatHTML, exportPairs(t), ExportOptions{Title: "Hover test"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1000, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()
	// A generous bound so a hung browser fails the test instead of the
	// whole run; nothing is asserted about speed.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	if err := chromedp.Do(ctx,
		chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(chromedp.CSS(`html[data-ready="true"] #pair-0 .src .w`)),
	); err != nil {
		t.Fatalf("opening %s: %v", page, err)
	}

	ints := func(js string) []int {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return out
	}
	hover := func(selector string) {
		t.Helper()
		js := `(() => { const r = document.querySelector(` + "`" + selector + "`" + `).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(selector))); err != nil {
			t.Fatalf("scrolling to %s: %v", selector, err)
		}
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](js))
		if err != nil || len(xy) != 2 {
			t.Fatalf("locating %s: %v %v", selector, xy, err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1])); err != nil {
			t.Fatalf("hovering %s: %v", selector, err)
		}
	}
	indices := func(selector string) string {
		return `Array.from(document.querySelectorAll('` + selector + `')).map(e => Number(e.getAttribute('data-i') ?? e.getAttribute('data-s') ?? e.getAttribute('data-t')))`
	}

	if got := ints(indices(".linked, .on")); len(got) != 0 {
		t.Fatalf("before any hover %d elements are highlighted", len(got))
	}
	// Every link has its line, placed from the source word down to the target word.
	if got := ints(`Array.from(document.querySelectorAll('#pair-0 svg.lines line')).map(l => Number(l.getAttribute('y2')) > Number(l.getAttribute('y1')) ? 1 : 0)`); !reflect.DeepEqual(got, []int{1, 1, 1, 1}) {
		t.Fatalf("lines of pair 0: %v, want 4 lines going down", got)
	}

	// "the" (source 0) is linked to "la" (0) and "del" (2).
	hover(`#pair-0 .src .w[data-i="0"]`)
	if got := ints(indices("#pair-0 .tgt .w.linked")); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("hovering 'the' highlighted target words %v, want [0 2]", got)
	}
	if got := ints(indices("#pair-0 .src .w.hl")); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("hovered word highlighted: %v, want [0]", got)
	}
	if got := ints(`Array.from(document.querySelectorAll('#pair-0 svg.lines line.on')).map(l => Number(l.getAttribute('data-t')))`); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("highlighted lines end at target words %v, want [0 2]", got)
	}
	if got := ints(`Array.from(document.querySelectorAll('#pair-0 rect.lk.on')).map(r => Number(r.getAttribute('data-t')))`); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("highlighted heatmap links: %v, want rows [0 2]", got)
	}
	if got := ints(indices("#pair-0 text.cl.hl")); !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("highlighted heatmap columns: %v, want [0]", got)
	}
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#pair-0 .tgt .w[data-i="2"]')).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	if bg == "rgba(0, 0, 0, 0)" || bg == "" {
		t.Errorf("a linked word keeps a transparent background (%q)", bg)
	}
	shot := screenshot(t, ctx, dir)

	// Right-to-left: the Hebrew "הַיֶּלֶד" (target 1 of pair 1) is linked to "niño" (source 4).
	hover(`#pair-1 .tgt .w[data-i="1"]`)
	if got := ints(indices("#pair-1 .src .w.linked")); !reflect.DeepEqual(got, []int{4}) {
		t.Errorf("hovering the Hebrew word highlighted source words %v, want [4]", got)
	}
	if got := ints(indices("#pair-0 .linked")); len(got) != 0 {
		t.Errorf("pair 0 still highlighted: %v", got)
	}
	// Hovering a heatmap label works too: row "verde" of the IBM1 pair.
	hover(`#pair-2 text.rl[data-t="2"]`)
	if got := ints(indices("#pair-2 .src .w.linked")); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("hovering heatmap row 'verde' highlighted source words %v, want [1]", got)
	}
	// Leaving clears everything.
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 990, 5)); err != nil {
		t.Fatal(err)
	}
	if got := ints(indices(".hl, .linked, .on")); len(got) != 0 {
		t.Errorf("after leaving, %d elements stay highlighted", len(got))
	}
	// An address ending in #pair-2-s-1 opens with "green" highlighted.
	if err := chromedp.Do(ctx,
		chromedp.Navigate("about:blank"),
		chromedp.Navigate("file://"+page+"#pair-2-s-1"),
		chromedp.WaitVisible(chromedp.CSS(`html[data-ready="true"] #pair-2 .src .w`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := ints(indices("#pair-2 .tgt .w.linked")); !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("#pair-2-s-1 highlighted target words %v, want [2]", got)
	}
	t.Logf("screenshot: %s", shot)
}

func screenshot(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if d := os.Getenv("ALIGN_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	path := filepath.Join(dir, "align-hover.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
