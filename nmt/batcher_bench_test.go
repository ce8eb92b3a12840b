package nmt

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/translated/translated/nmt/model"
)

// BenchmarkBatcher drives a Batcher over the shipped checkpoints/en-es
// model from concurrent callers, as the server's clients do: each one call
// at a time of scripts/throughput.sh's sentence at the model's default beam
// (4). An op is one call. Besides the wall time it reports the process's
// CPU time per call (cpu-ms/op: user + system, which other work on the
// machine does not inflate), the cores busy while it ran (cores: CPU time
// over wall time, which a loaded machine caps), the sentences the encoder
// took in one pass on average and the rows (hypotheses) a decoder step
// multiplied on average, on which the products' speed depends. The
// cases named shortlist decode with the model's shipped vocabulary
// shortlist (ShortlistFile), and those named int8 with the model's
// matrices quantized to int8 at load (model.LoadOptions.Int8). Skipped
// when the checkpoint is not there.
//
//	go test ./nmt -run '^$' -bench Batcher -benchtime 400x
func BenchmarkBatcher(b *testing.B) {
	dir := filepath.Join("..", "checkpoints", "en-es")
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err != nil {
		b.Skip("no checkpoints/en-es")
	}
	tr, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	short, err := tr.OpenShortlist(dir)
	if err != nil {
		short = nil // no shipped shortlist: its cases are skipped
	}
	var short8 *Translator
	if tr8, err := OpenWith(dir, model.LoadOptions{Int8: true}); err != nil {
		b.Fatal(err)
	} else if short8, err = tr8.OpenShortlist(dir); err != nil {
		short8 = nil
	}
	req := Request{Texts: []string{"The old man walked to the market in the morning."}}
	for _, c := range []struct {
		name            string
		clients, lanes  int
		shortlist, int8 bool
	}{
		{"clients1", 1, 2, false, false},
		{"clients8/lanes1", 8, 1, false, false},
		{"clients8/lanes2", 8, 2, false, false},
		{"clients1/shortlist", 1, 2, true, false},
		{"clients8/lanes1/shortlist", 8, 1, true, false},
		{"clients8/lanes2/shortlist", 8, 2, true, false},
		{"clients1/shortlist/int8", 1, 2, true, true},
		{"clients8/lanes2/shortlist/int8", 8, 2, true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			tr := tr
			if c.shortlist {
				tr = short
				if c.int8 {
					tr = short8
				}
				if tr == nil {
					b.Skip("no checkpoints/en-es/" + ShortlistFile)
				}
			}
			bt := tr.NewBatcher(32, c.lanes, 1)
			var passes, encoded, steps, rows atomic.Int64
			bt.pass = func(n int) { passes.Add(1); encoded.Add(int64(n)) }
			bt.step = func(n int) { steps.Add(1); rows.Add(int64(n)) }
			if _, err := bt.Translate(context.Background(), req, nil); err != nil {
				b.Fatal(err)
			}
			steps.Store(0)
			rows.Store(0)
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			errs := make(chan error, c.clients)
			b.ResetTimer()
			start, cpu := time.Now(), processCPU()
			for range c.clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for left.Add(-1) >= 0 {
						if _, err := bt.Translate(context.Background(), req, nil); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			wall, used := time.Since(start), processCPU()-cpu
			b.StopTimer()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(used.Seconds()*1e3/float64(b.N), "cpu-ms/op")
			b.ReportMetric(used.Seconds()/wall.Seconds(), "cores")
			b.ReportMetric(float64(b.N)/wall.Seconds(), "calls/s")
			b.ReportMetric(float64(encoded.Load())/float64(max(passes.Load(), 1)), "sentences/pass")
			b.ReportMetric(float64(rows.Load())/float64(max(steps.Load(), 1)), "rows/step")
		})
	}
}

// processCPU is the user and system time of the whole process so far.
func processCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
