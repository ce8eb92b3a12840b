// Command loadtest drives a live translated server on loopback with the
// loads and faults of a bad day, and prints one table: calls by status
// code, latency percentiles, and the server's resident memory and
// goroutines (from its /metrics) during and after each scenario.
//
// scripts/loadtest.sh builds the server and this command, starts a server
// and runs every scenario; see docs/operations.md#load-and-faults. Every
// scenario is bounded in time and in calls, and the command refuses an
// address that is not loopback: it is a test of one's own server, not a
// tool against others'.
//
//	loadtest -addr 127.0.0.1:50051 -metrics http://127.0.0.1:9464/metrics [-pid PID] [-scenarios streams,cancel,...]
//
// Scenarios:
//
//	streams    -streams clients, each on its own connection, calling
//	           TranslateStream back to back for -duration (a
//	           RESOURCE_EXHAUSTED waits for its RetryInfo delay)
//	cancel     -streams clients that open a stream and cancel it at its
//	           first event, for -duration
//	slow       -slow streams that never read their events (four texts
//	           with word alignment and n_best 4: more than their window
//	           holds), while -streams/8 clients call Translate: theirs must
//	           pass; at the end the slow streams are read, to see how the
//	           server ended them
//	oversize   -count requests over the server's message limit
//	malformed  -count requests that are no protobuf message
//	sigterm    -streams/4 clients under load, then SIGTERM to -pid: calls
//	           in flight finish, new ones are refused; the server exits
//	one        one request of -texts texts of about -tokens tokens, with
//	           -beam, -nbest and -alignment (for memory measurements)
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// config is the command line.
type config struct {
	addr, metrics string
	pid           int
	scenarios     string
	streams, slow int
	count         int
	duration      time.Duration
	maxCalls      int
	from, to      string
	// one
	texts, tokens, beam, nbest int
	alignment                  string
}

func main() {
	c := config{}
	flag.StringVar(&c.addr, "addr", "127.0.0.1:50051", "the server's gRPC address (loopback only)")
	flag.StringVar(&c.metrics, "metrics", "http://127.0.0.1:9464/metrics", "the server's metrics URL (loopback only; empty: no memory or goroutine columns)")
	flag.IntVar(&c.pid, "pid", 0, "the server's process id, for the sigterm scenario (0: skip it)")
	flag.StringVar(&c.scenarios, "scenarios", "streams,cancel,slow,oversize,malformed,sigterm", "scenarios to run, in order")
	flag.IntVar(&c.streams, "streams", 64, "concurrent clients of the streams and cancel scenarios")
	flag.IntVar(&c.slow, "slow", 8, "streams that never read, in the slow scenario")
	flag.IntVar(&c.count, "count", 100, "requests of the oversize and malformed scenarios")
	flag.DurationVar(&c.duration, "duration", 60*time.Second, "length of each timed scenario")
	flag.IntVar(&c.maxCalls, "max-calls", 100000, "most calls of one scenario")
	flag.StringVar(&c.from, "from", "en", "source language")
	flag.StringVar(&c.to, "to", "es", "target language")
	flag.IntVar(&c.texts, "texts", 1, "one: texts in the request")
	flag.IntVar(&c.tokens, "tokens", 20, "one: about how many words each text has")
	flag.IntVar(&c.beam, "beam", 4, "one: beam_size")
	flag.IntVar(&c.nbest, "nbest", 1, "one: n_best")
	flag.StringVar(&c.alignment, "alignment", "none", "one: none, subword or word")
	flag.Parse()
	if err := c.check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	if err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// check refuses what is not loopback, and sizes out of bounds.
func (c config) check() error {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if !loopback(host) {
		return fmt.Errorf("-addr %s is not a loopback address", c.addr)
	}
	if c.metrics != "" {
		u, err := url.Parse(c.metrics)
		if err != nil || !loopback(u.Hostname()) {
			return fmt.Errorf("-metrics %s is not a loopback URL", c.metrics)
		}
	}
	switch {
	case c.streams < 1 || c.streams > 1024:
		return fmt.Errorf("-streams must be within [1, 1024]")
	case c.slow < 0 || c.slow > 256:
		return fmt.Errorf("-slow must be within [0, 256]")
	case c.count < 0 || c.count > 10000:
		return fmt.Errorf("-count must be within [0, 10000]")
	case c.duration <= 0 || c.duration > 10*time.Minute:
		return fmt.Errorf("-duration must be within (0, 10m]")
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run runs the scenarios and prints the table.
func run(ctx context.Context, c config, out *os.File) error {
	var rows []row
	for _, name := range strings.Split(c.scenarios, ",") {
		sc, ok := scenarios[strings.TrimSpace(name)]
		if !ok {
			return fmt.Errorf("unknown scenario %q", name)
		}
		if name == "sigterm" && c.pid == 0 {
			continue
		}
		fmt.Fprintf(os.Stderr, "loadtest: %s…\n", name)
		r, err := measure(ctx, c, name, sc)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, r)
	}
	printTable(out, rows)
	return nil
}
