package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress reports a bulk translation's progress on stderr: on a
// terminal, one line rewritten twice a second; otherwise a plain line
// every plainEvery (a log keeps a few lines, not thousands). Each says
// the lines done of the total, this run's lines per second and the time
// left at that rate.
type progress struct {
	w             io.Writer
	total, start  int64 // input lines; lines already done when this run began
	began         time.Time
	live          bool // w is a terminal
	mu            sync.Mutex
	done          int64
	quit, stopped chan struct{}
	stopOnce      sync.Once
}

// plainEvery is how often a progress line goes to a stderr that is not a
// terminal.
const plainEvery = 30 * time.Second

func newProgress(w io.Writer, total, start int64) *progress {
	p := &progress{w: w, total: total, start: start, done: start, began: time.Now(), live: isTerminal(w),
		quit: make(chan struct{}), stopped: make(chan struct{})}
	every := plainEvery
	if p.live {
		every = 500 * time.Millisecond
	}
	go p.loop(every)
	return p
}

// isTerminal reports whether w is a terminal (through the lockedWriter
// that wraps it).
func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progress) loop(every time.Duration) {
	defer close(p.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			if p.live {
				fmt.Fprint(p.w, "\r\x1b[K")
			}
			return
		case <-t.C:
			if p.live {
				fmt.Fprintf(p.w, "\r\x1b[K%s", p.line())
			} else {
				fmt.Fprintf(p.w, "translate-cli: %s\n", p.line())
			}
		}
	}
}

// set records that done lines are in the output.
func (p *progress) set(done int64) {
	p.mu.Lock()
	p.done = done
	p.mu.Unlock()
}

// line says how far the run is: "120/1000 lines (12%), 8.1 lines/s, 1m49s left".
func (p *progress) line() string {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	s := fmt.Sprintf("%d/%d lines", done, p.total)
	if p.total > 0 {
		s += fmt.Sprintf(" (%.0f%%)", 100*float64(done)/float64(p.total))
	}
	rate := float64(done-p.start) / time.Since(p.began).Seconds()
	if rate > 0 {
		left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(", %.1f lines/s, %v left", rate, left.Round(time.Second))
	}
	return s
}

// stop ends the reports.
func (p *progress) stop() {
	p.stopOnce.Do(func() { close(p.quit) })
	<-p.stopped
}

// summary says, once the output is complete, how long this run took.
func (p *progress) summary(output string) {
	elapsed := time.Since(p.began)
	n := p.done - p.start
	fmt.Fprintf(p.w, "translate-cli: %d lines into %s in %.1f s (%.2f lines/s)\n", n, output, elapsed.Seconds(), float64(n)/elapsed.Seconds())
}

// lockedWriter lets goroutines write whole messages to one stream.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
