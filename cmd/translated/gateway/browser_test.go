package gateway

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"google.golang.org/grpc"

	"github.com/translated/translated/cmd/translated/server"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// The page, tested as a person uses it: headless Chromium (Debian's
// chromium, installed by scripts/deps.sh test) against a live server with
// the test models. Every wait is for a condition of the page, never for
// time.

// browserContext starts headless Chromium with a fresh profile, or skips
// the test when it is not installed (outside CI).
func browserContext(t *testing.T, width, height int) context.Context {
	t.Helper()
	exe := os.Getenv("CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if exe == "" {
			exe, _ = exec.LookPath(name)
		}
	}
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed but CI is set: scripts/deps.sh test installs it")
		}
		t.Skip("chromium is not installed (Debian package chromium, scripts/deps.sh test)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser without a deadline
		t.Fatalf("starting chromium: %v", err)
	}
	// A bound so that a hung browser fails the test; nothing about speed.
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// page drives one tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// until waits for a JavaScript condition to hold, checked at every
// animation frame.
func (p page) until(cond string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(0))); err != nil {
		status, _ := chromedp.Run(context.WithoutCancel(p.ctx), chromedp.Evaluate[string](`document.querySelector('#status').textContent`))
		p.t.Fatalf("waiting for %s: %v (the page says %q)", cond, err, status)
	}
}

func (p page) int(js string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](js))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	return n
}

func (p page) count(sel string) int {
	p.t.Helper()
	return p.int(fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// hover moves the mouse to the middle of the element sel.
func (p page) hover(sel string) {
	p.t.Helper()
	p.do("scrolling to "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)))
	xy, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(
		`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`, sel)))
	if err != nil || len(xy) != 2 {
		p.t.Fatalf("locating %s: %v %v", sel, xy, err)
	}
	p.do("hovering "+sel, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
}

// gatedConn holds every stream after its first message until gate closes:
// the test sees the page with one token while the translation is still
// being made.
type gatedConn struct {
	grpc.ClientConnInterface
	gate <-chan struct{}
}

func (c *gatedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	cs, err := c.ClientConnInterface.NewStream(ctx, desc, method, opts...)
	if err != nil {
		return nil, err
	}
	return &gatedStream{ClientStream: cs, gate: c.gate}, nil
}

type gatedStream struct {
	grpc.ClientStream
	gate     <-chan struct{}
	received int
}

func (s *gatedStream) RecvMsg(m any) error {
	if s.received == 1 {
		select {
		case <-s.gate:
		case <-s.Context().Done():
			return s.Context().Err()
		}
	}
	s.received++
	return s.ClientStream.RecvMsg(m)
}

const (
	pageSource = "The light shines in the darkness. Café, déjà vu!"
	pageTarget = "La luz brilla en las tinieblas. ¡Café, déjà vu!"
)

// cellsOf returns, per sentence with a translation, target tokens ×
// source words: the cells its heatmap must have.
func cellsOf(tr *translatev1.Translation) []int {
	var out []int
	for _, s := range tr.Sentences {
		if n := len(s.Hypotheses[0].Tokens); n > 0 {
			out = append(out, n*len(s.SourceWords))
		}
	}
	return out
}

func (p page) cellsPerSentence() []int {
	p.t.Helper()
	out, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]int](
		`Array.from(document.querySelectorAll('#sentences .sentence')).map(s => s.querySelectorAll('svg.heatmap rect.cell').length)`))
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// TestPageInBrowser loads the page, types a sentence and translates it:
// the first token shows while the translation is still being made; the
// heatmaps have a cell per target token and source word; hovering a word
// lights up what it is linked to; Align mode aligns a given translation;
// an export downloads the file the server writes.
func TestPageInBrowser(t *testing.T) {
	ctx := browserContext(t, 1200, 1000)
	gate := make(chan struct{})
	var gateOnce bool
	l := startLive(t, Options{}, func(c grpc.ClientConnInterface) grpc.ClientConnInterface {
		return &gatedConn{ClientConnInterface: c, gate: gate}
	})
	defer func() {
		if !gateOnce {
			close(gate)
		}
	}()
	p := page{t, ctx}
	p.do("loading the page", chromedp.Navigate(l.url))
	p.until(`document.querySelector('#model').options.length === 3`)
	if got := p.int(`document.querySelector('#model').value === 'en-es' ? 1 : 0`); got != 1 {
		t.Fatalf("the pair's default model is not chosen")
	}

	// Type and translate with the page's defaults (beam 4, one hypothesis).
	p.do("typing", chromedp.SendKeys(chromedp.CSS("#source"), pageSource), chromedp.Click(chromedp.CSS("#go")))
	p.until(`document.querySelectorAll('#output .tok').length > 0`)
	if state := p.int(`document.querySelector('#result').dataset.state === 'streaming' ? 1 : 0`); state != 1 {
		t.Fatal("the first token arrived, but the page does not say it is still translating")
	}
	if got, rows := p.count("#output .tok"), p.count("#sentences svg.heatmap text.row-label"); got != 1 || rows != 1 {
		t.Fatalf("while the rest is held back: %d tokens and %d heatmap rows on the page, want 1", got, rows)
	}
	if p.count("#sentences svg.heatmap rect.cell") != p.count("#sentences svg.heatmap text.col-label") {
		t.Errorf("the first row's cells are not one per source word")
	}
	close(gate)
	gateOnce = true
	p.until(`document.querySelector('#result').dataset.state === 'done'`)

	// The same request over gRPC: the cells the heatmaps must have.
	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{Model: "en-es", Texts: []string{pageSource},
		Options: &translatev1.DecodingOptions{BeamSize: 4, NBest: 1}, Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, IncludeLogProbs: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := resp.Translations[0]
	if got, want := p.cellsPerSentence(), cellsOf(tr); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("heatmap cells per sentence %v, want target tokens × source words %v", got, want)
	}
	if got, want := p.count("#output .tok"), len(tr.Sentences[0].Hypotheses[0].Tokens)+len(tr.Sentences[1].Hypotheses[0].Tokens); got != want {
		t.Errorf("%d tokens in the translation, want %d", got, want)
	}

	// Hover the source word with the most links: its column, the word and
	// the tokens it is linked to light up.
	s0 := tr.Sentences[0]
	w, linked := mostLinkedWord(s0)
	p.hover(fmt.Sprintf(`.sentence[data-s="0"] svg.links text.src[data-w="%d"]`, w))
	if got, want := p.count(fmt.Sprintf(`.sentence[data-s="0"] rect.cell.hl[data-w="%d"]`, w)), len(s0.Hypotheses[0].Tokens); got != want {
		t.Errorf("hovering source word %d lit %d cells of its column, want %d", w, got, want)
	}
	if got := p.count(`.sentence[data-s="0"] svg.links text.src.hl`); got != 1 {
		t.Errorf("hovering source word %d lit %d source words, want 1", w, got)
	}
	if got := p.count(`#output .tok.hl`); got != linked {
		t.Errorf("hovering source word %d lit %d tokens of the translation, want the %d the server links it to", w, got, linked)
	}
	// Hover a token (in the link view: the tiny model's tokens may add no
	// visible text to the translation): its row lights up.
	p.hover(`.sentence[data-s="0"] svg.links text.tgt[data-t="0"]`)
	if got, want := p.count(`.sentence[data-s="0"] rect.cell.hl[data-t="0"]`), len(s0.SourceWords); got != want {
		t.Errorf("hovering token 0 lit %d cells of its row, want %d", got, want)
	}
	if got := p.count(`.sentence[data-s="0"] rect.cell.hl[data-w="` + fmt.Sprint(w) + `"]:not([data-t="0"])`); got != 0 {
		t.Errorf("the first hover's highlight stayed on %d cells", got)
	}
	// The keyboard gets there too: focus a token.
	last := len(s0.Hypotheses[0].Tokens) - 1
	p.do("focusing a token", chromedp.Focus(chromedp.CSS(fmt.Sprintf(`.sentence[data-s="0"] svg.links text.tgt[data-t="%d"]`, last))))
	if got := p.count(fmt.Sprintf(`.sentence[data-s="0"] rect.cell.hl[data-t="%d"]`, last)); got != len(s0.SourceWords) {
		t.Errorf("focusing token %d lit %d cells, want %d", last, got, len(s0.SourceWords))
	}

	// Export the heatmap: the file the browser saves is the server's SVG.
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	p.do("exporting", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)})
		return err
	}), chromedp.Click(chromedp.CSS(`#export button[data-format="svg"]`)))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatal(err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the download was cancelled")
		}
	}
	svg, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(svg), "<svg") || !strings.Contains(string(svg), "attention avg") {
		t.Errorf("the exported file %s: %v %.200q", file, err, svg)
	}
	p.until(`document.querySelector('#status').textContent === 'Exported alignment.svg.'`)

	// Align mode: a given translation, its heatmaps.
	p.do("switching to Align mode", chromedp.Click(chromedp.CSS("#tab-align")), chromedp.WaitVisible(chromedp.CSS("#target")))
	if got := p.count("#sentences .sentence"); got != 0 {
		t.Errorf("switching modes left %d sentences on the page", got)
	}
	p.do("aligning",
		chromedp.SendKeys(chromedp.CSS("#target"), pageTarget),
		chromedp.Click(chromedp.CSS("#go")))
	p.until(`document.querySelector('#result').dataset.state === 'done'`)
	aresp, err := l.client.Align(ctx, &translatev1.AlignRequest{Model: "en-es", SourceText: pageSource, TargetText: pageTarget,
		Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_WORD, IncludeLogProbs: true})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, s := range aresp.Sentences {
		want = append(want, len(s.TargetTokens)*len(s.SourceWords))
	}
	if got := p.cellsPerSentence(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Align mode: heatmap cells per sentence %v, want %v", got, want)
	}
	if got := p.count(".sentence rect.cell.link"); got == 0 {
		t.Error("Align mode: no hard link marked on the heatmaps")
	}
}

// mostLinkedWord returns the source word of a sentence with the most
// links, and how many of the best hypothesis's tokens they reach: the
// tokens inside the linked target words.
func mostLinkedWord(s *translatev1.Sentence) (word, tokens int) {
	h := s.Hypotheses[0]
	best, bestTokens := 0, -1
	for w, sw := range s.SourceWords {
		n := 0
		for _, tok := range h.Tokens {
			for _, l := range h.WordLinks {
				if l.Source.Start == sw.Start && l.Source.End == sw.End && tokenInWord(tok.Span, l.Target, h.Words) {
					n++
					break
				}
			}
		}
		if n > bestTokens {
			best, bestTokens = w, n
		}
	}
	return best, bestTokens
}

// tokenInWord reports whether the word a token overlaps most (the first
// on a tie, as the page decides) is word.
func tokenInWord(tok, word *translatev1.Span, words []*translatev1.Span) bool {
	var most *translatev1.Span
	mostLen := uint32(0)
	for _, w := range words {
		lo, hi := max(tok.GetStart(), w.GetStart()), min(tok.GetEnd(), w.GetEnd())
		if hi > lo && hi-lo > mostLen {
			most, mostLen = w, hi-lo
		}
	}
	return most != nil && most.GetStart() == word.GetStart() && most.GetEnd() == word.GetEnd()
}

var (
	screenshotDir    = flag.String("screenshots", "", "TestScreenshots writes the page's screenshots into this directory (scripts/screenshots.sh)")
	screenshotModels = flag.String("screenshot-models", testModels, "the models TestScreenshots serves")
)

// TestScreenshots writes pictures of the page for the documentation:
// translation and Align mode at desktop width, and the translation at
// phone width. It runs only with -screenshots (scripts/screenshots.sh).
func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("no -screenshots directory")
	}
	ms, err := server.LoadModels(*screenshotModels, nil)
	if err != nil {
		t.Fatal(err)
	}
	l := serve(t, Options{}, ms, nil)
	shoot := func(width, height int, name string, steps func(p page)) {
		ctx := browserContext(t, width, height)
		p := page{t, ctx}
		p.do("loading the page", chromedp.EmulateViewport(int64(width), int64(height)), chromedp.Navigate(l.url))
		p.until(`document.querySelector('#model').options.length > 0`)
		steps(p)
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(*screenshotDir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}
	const source = "I would like a cup of coffee and a glass of water, please."
	const target = "Quisiera una taza de café y un vaso de agua, por favor."
	translate := func(p page) {
		p.do("translating", chromedp.SetValue(chromedp.CSS("#nbest"), "3"),
			chromedp.SendKeys(chromedp.CSS("#source"), source), chromedp.Click(chromedp.CSS("#go")))
		p.until(`document.querySelector('#result').dataset.state === 'done'`)
		p.do("opening the alternatives", chromedp.Click(chromedp.CSS(".nbest summary")))
		p.hover(`.sentence[data-s="0"] svg.links text.src[data-w="1"]`)
	}
	shoot(1200, 900, "page-translate.png", translate)
	shoot(390, 844, "page-phone.png", translate)
	shoot(1200, 900, "page-align.png", func(p page) {
		p.do("aligning", chromedp.Click(chromedp.CSS("#tab-align")), chromedp.WaitVisible(chromedp.CSS("#target")),
			chromedp.SendKeys(chromedp.CSS("#source"), source), chromedp.SendKeys(chromedp.CSS("#target"), target),
			chromedp.Click(chromedp.CSS("#go")))
		p.until(`document.querySelector('#result').dataset.state === 'done'`)
		p.hover(`#output .sent[data-s="0"] .tok[data-t="1"]`)
	})
}
