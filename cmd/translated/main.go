// Command translated serves neural machine translation over gRPC: every
// model directory under --models, keyed by language pair, with token
// streaming and alignment (see docs/api.md and docs/operations.md).
//
// main.go only wires things together: flags, logging, models, listeners
// and signals. The service is in package main too, one concern per file:
// api.go (handlers), models.go and open.go (loading model directories),
// limits.go (request checks), codec.go (requests with invalid UTF-8),
// pool.go (decoding workers and queue), convert.go, spans.go and
// alignment.go (results to API messages), errors.go (the one table from
// errors to gRPC codes), interceptors.go (logs, metrics, panics),
// metrics.go, health.go and server.go (health, reflection, graceful
// stop). Nothing here is imported elsewhere; clients use the generated
// package proto/translate/v1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/translated/translated/nmt/align"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
}

// flags are the command line.
type flags struct {
	addr, metricsAddr string
	modelsDir         string
	heads             align.Selector
	headsSet          bool // -alignment-heads was given: it overrides each model's own
	logFormat         string
	logLevel          slog.Level
	cfg               config
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{cfg: config{Limits: defaultLimits}}
	fs := flag.NewFlagSet("translated", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "localhost:50051", "gRPC listen address")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "localhost:9464", "Prometheus /metrics listen address (empty: none)")
	fs.StringVar(&f.modelsDir, "models", "checkpoints", "directory whose subdirectories are model directories, one per language pair")
	fs.TextVar(&f.heads, "alignment-heads", align.AllHeads(), "cross-attention heads that make alignments: avg, layer=L, layer=L,head=H or heads=L:H+L:H, each optionally followed by ,shift (default: each model's measured alignment_heads, else avg)")
	fs.IntVar(&f.cfg.Workers, "workers", runtime.NumCPU(), "requests decoded at once")
	fs.IntVar(&f.cfg.Queue, "queue", 4*runtime.NumCPU(), "requests that may wait for a worker; more are refused with RESOURCE_EXHAUSTED")
	fs.DurationVar(&f.cfg.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGTERM, how long calls in flight may take to finish")
	fs.IntVar(&f.cfg.Limits.MaxTexts, "max-texts", defaultLimits.MaxTexts, "texts per request")
	fs.IntVar(&f.cfg.Limits.MaxChars, "max-chars", defaultLimits.MaxChars, "characters (code points) per text")
	fs.IntVar(&f.cfg.Limits.MaxTokens, "max-tokens", defaultLimits.MaxTokens, "source tokens per text")
	fs.IntVar(&f.cfg.Limits.MaxBeam, "max-beam", defaultLimits.MaxBeam, "largest beam_size and n_best")
	fs.IntVar(&f.cfg.Limits.MaxOutput, "max-output", defaultLimits.MaxOutput, "largest max_length (target tokens per sentence)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(fl *flag.Flag) { f.headsSet = f.headsSet || fl.Name == "alignment-heads" })
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	case f.cfg.Workers < 1:
		return nil, fmt.Errorf("-workers must be at least 1")
	case f.cfg.Queue < 0:
		return nil, fmt.Errorf("-queue must not be negative")
	case f.cfg.Limits.MaxTexts < 1 || f.cfg.Limits.MaxChars < 1 || f.cfg.Limits.MaxTokens < 1 || f.cfg.Limits.MaxBeam < 1 || f.cfg.Limits.MaxOutput < 1:
		return nil, fmt.Errorf("-max-* limits must be at least 1")
	case f.logFormat != "text" && f.logFormat != "json":
		return nil, fmt.Errorf("-log-format must be text or json")
	}
	return f, nil
}

// run is main without the process: tests call it with their own context
// (cancelling it is SIGTERM) and, through ready, learn the bound addresses.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(grpcAddr, metricsAddr string)) int {
	f, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "translated:", err)
		return 2
	}
	log := newLogger(stderr, f.logFormat, f.logLevel)
	ms, err := loadModels(f.modelsDir, func(dir string) (*model, error) { return openModel(dir, f.heads, f.headsSet) })
	if err != nil {
		log.Error("cannot load models", "err", err)
		return 1
	}
	srv := newServer(f.cfg, ms, log)
	lis, err := net.Listen("tcp", f.addr)
	if err != nil {
		log.Error("cannot listen", "addr", f.addr, "err", err)
		return 1
	}
	var mlis net.Listener
	metricsAddr := ""
	if f.metricsAddr != "" {
		if mlis, err = net.Listen("tcp", f.metricsAddr); err != nil {
			lis.Close()
			log.Error("cannot listen", "metrics_addr", f.metricsAddr, "err", err)
			return 1
		}
		metricsAddr = mlis.Addr().String()
	}
	log.Info("serving", "addr", lis.Addr().String(), "metrics_addr", metricsAddr, "models", ms.names(),
		"workers", f.cfg.Workers, "queue", f.cfg.Queue)
	if ready != nil {
		ready(lis.Addr().String(), metricsAddr)
	}
	// Either server failing stops the other; a stop request stops both.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- srv.serve(ctx, lis, f.cfg.ShutdownTimeout); cancel() }()
	running := 1
	if mlis != nil {
		running++
		go func() { errs <- srv.serveMetrics(ctx, mlis); cancel() }()
	}
	code := 0
	for range running {
		if err := <-errs; err != nil {
			log.Error("serving failed", "err", err)
			code = 1
		}
	}
	log.Info("stopped")
	return code
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
