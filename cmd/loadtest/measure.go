package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/status"
)

// recorder collects the outcome of every call of a scenario, and apart
// those of the streams that do not read (slow).
type recorder struct {
	mu        sync.Mutex
	codes     map[string]int
	latencies []time.Duration
	slow      map[string]int
}

// addSlow records how a stream that did not read ended.
func (r *recorder) addSlow(err error, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.slow == nil {
		r.slow = map[string]int{}
	}
	r.slow[status.Code(err).String()]++
}

func (r *recorder) add(err error, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.codes[status.Code(err).String()]++
	r.latencies = append(r.latencies, d)
}

// more says whether the scenario may make another call.
func (r *recorder) more(most int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.latencies) < most
}

// row is one line of the table.
type row struct {
	name                 string
	slow                 map[string]int // how the streams that did not read ended
	calls                int
	codes                map[string]int
	p50, p99             time.Duration
	rssMax, rssAfter     float64 // MiB
	goroMax, goroAfter   float64
	connsMax, connsAfter float64
}

// measure runs a scenario while sampling the server's metrics, then waits
// for the server to settle and samples them once more.
func measure(ctx context.Context, c config, name string, sc scenario) (row, error) {
	rec := &recorder{codes: map[string]int{}}
	r := row{name: name}
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if m, err := scrape(ctx, c.metrics); err == nil {
				r.rssMax = max(r.rssMax, m["process_resident_memory_bytes"]/(1<<20))
				r.goroMax = max(r.goroMax, m["go_goroutines"])
				r.connsMax = max(r.connsMax, m["translated_connections"])
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	err := sc(ctx, c, rec)
	close(stop)
	<-sampled
	if err != nil {
		return r, err
	}
	if name != "sigterm" {
		settle(ctx, c)
		if m, err := scrape(ctx, c.metrics); err == nil {
			r.rssAfter, r.goroAfter, r.connsAfter = m["process_resident_memory_bytes"]/(1<<20), m["go_goroutines"], m["translated_connections"]
		}
	}
	r.calls, r.codes, r.slow = len(rec.latencies), rec.codes, rec.slow
	slices.Sort(rec.latencies)
	r.p50, r.p99 = percentile(rec.latencies, 0.50), percentile(rec.latencies, 0.99)
	return r, nil
}

// settle waits, up to ten seconds, for the server to be idle again: no
// worker busy and no connection open.
func settle(ctx context.Context, c config) {
	for range 40 {
		m, err := scrape(ctx, c.metrics)
		if err != nil || (m["translated_workers_busy"] == 0 && m["translated_connections"] == 0) {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// scrape reads the unlabelled series of a Prometheus text page.
func scrape(ctx context.Context, url string) (map[string]float64, error) {
	if url == "" {
		return nil, fmt.Errorf("no metrics URL")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// printTable writes the rows as a Markdown table.
func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| scenario | calls | codes | p50 | p99 | RSS max / after (MiB) | goroutines max / after | connections max / after |")
	fmt.Fprintln(w, "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rows {
		var codes []string
		for code, n := range r.codes {
			codes = append(codes, fmt.Sprintf("%s %d", code, n))
		}
		sort.Strings(codes)
		var slow []string
		for code, n := range r.slow {
			slow = append(slow, fmt.Sprintf("%s %d", code, n))
		}
		sort.Strings(slow)
		if len(slow) > 0 {
			codes = append(codes, "(streams not read: "+strings.Join(slow, ", ")+")")
		}
		after := func(v float64) string {
			if r.name == "sigterm" {
				return "exited"
			}
			return fmt.Sprintf("%.0f", v)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %.0f / %s | %.0f / %s | %.0f / %s |\n", r.name, r.calls, strings.Join(codes, ", "),
			r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.rssMax, after(r.rssAfter), r.goroMax, after(r.goroAfter),
			r.connsMax, after(r.connsAfter))
	}
}
