// Command translated serves neural machine translation over gRPC: every
// model directory under --models, named by its directory, with token
// streaming and alignment (see docs/api.md and docs/operations.md).
//
// main.go only parses flags and wires things together: logging, models,
// listeners and signals. The service itself is package
// cmd/translated/server; clients use the generated package
// proto/translate/v1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/translated/translated/cmd/translated/server"
	"github.com/translated/translated/nmt/align"
)

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx := stopOnSignal(sigs, os.Stderr, os.Exit)
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
}

// stopOnSignal returns a context that the first signal on sigs cancels,
// which stops the server gracefully; a second signal exits at once with
// status 1, through exit, for an operator who cannot wait.
func stopOnSignal(sigs <-chan os.Signal, stderr io.Writer, exit func(int)) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sigs
		cancel() // the server logs that it is stopping
		sig := <-sigs
		fmt.Fprintf(stderr, "translated: %v again: exiting now\n", sig)
		exit(1)
	}()
	return ctx
}

// flags are the command line.
type flags struct {
	addr, metricsAddr string
	modelsDir         string
	heads             align.Selector
	headsSet          bool // -alignment-heads was given: it overrides each model's own
	logFormat         string
	logLevel          slog.Level
	tlsCert, tlsKey   string
	tlsClientCA       string
	tokenFile         string
	memoryBudget      byteSize
	maxReply          byteSize
	streamBuffer      byteSize
	maxStreams        uint
	opts              server.Options
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{opts: server.DefaultOptions()}
	o := &f.opts
	fs := flag.NewFlagSet("translated", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", "localhost:50051", "gRPC listen address")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "localhost:9464", "Prometheus /metrics listen address (empty: none)")
	fs.StringVar(&f.modelsDir, "models", "checkpoints", "directory whose subdirectories are model directories, each a model named by its directory: <source>-<target> (the pair's default) or <source>-<target>-<variant>")
	fs.TextVar(&f.heads, "alignment-heads", align.AllHeads(), "cross-attention heads that make alignments: avg, layer=L, layer=L,head=H or heads=L:H+L:H, each optionally followed by ,shift (default: each model's measured alignment_heads, else avg)")
	fs.IntVar(&o.Workers, "workers", o.Workers, "requests decoded at once")
	fs.IntVar(&o.Queue, "queue", o.Queue, "requests that may wait for a worker; more are refused with RESOURCE_EXHAUSTED")
	fs.IntVar(&o.PerClient, "per-client", o.PerClient, "requests one client (a connection, or a token's holder) may have decoding or queued (0: half of workers + queue)")
	f.memoryBudget, f.maxReply, f.streamBuffer, f.maxStreams = byteSize(o.MemoryBudget), byteSize(o.MaxReplyBytes), byteSize(o.StreamBuffer), uint(o.MaxConcurrentStreams)
	fs.TextVar(&f.memoryBudget, "memory-budget", f.memoryBudget, "estimated decoding memory of the requests decoding at once, such as 2GiB or 512MiB (docs/operations.md#memory)")
	fs.DurationVar(&o.MaxDecodeTime, "max-decode-time", o.MaxDecodeTime, "longest one call may decode")
	fs.TextVar(&f.maxReply, "max-reply", f.maxReply, "largest reply or TranslateStream event, such as 16MiB")
	fs.TextVar(&f.streamBuffer, "stream-buffer", f.streamBuffer, "TranslateStream token events that may wait for a slow client, such as 4MiB")
	fs.DurationVar(&o.SendTimeout, "send-timeout", o.SendTimeout, "longest a TranslateStream event may wait for the client to read it")
	fs.UintVar(&f.maxStreams, "max-streams", f.maxStreams, "calls one connection may have open at once")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", o.IdleTimeout, "closes a connection without calls for this long")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", o.ShutdownTimeout, "on SIGTERM, how long calls in flight may take to finish")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate chain: serve gRPC and metrics over TLS (with -tls-key)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&f.tlsClientCA, "tls-client-ca", "", "PEM certificate authorities: require client certificates they signed (mutual TLS)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file of bearer tokens, one \"NAME TOKEN\" per line: require one of every call but health checks, and of metrics scrapes")
	fs.IntVar(&o.Limits.MaxTexts, "max-texts", o.Limits.MaxTexts, "texts per request")
	fs.IntVar(&o.Limits.MaxChars, "max-chars", o.Limits.MaxChars, "characters (code points) per text")
	fs.IntVar(&o.Limits.MaxTokens, "max-tokens", o.Limits.MaxTokens, "source tokens per text")
	fs.IntVar(&o.Limits.MaxBeam, "max-beam", o.Limits.MaxBeam, "largest beam_size and n_best")
	fs.IntVar(&o.Limits.MaxOutput, "max-output", o.Limits.MaxOutput, "largest max_length (target tokens per sentence)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(fl *flag.Flag) { f.headsSet = f.headsSet || fl.Name == "alignment-heads" })
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	case f.logFormat != "text" && f.logFormat != "json":
		return nil, fmt.Errorf("-log-format must be text or json")
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return nil, fmt.Errorf("-tls-cert and -tls-key go together")
	case f.tlsClientCA != "" && f.tlsCert == "":
		return nil, fmt.Errorf("-tls-client-ca needs -tls-cert and -tls-key")
	case f.maxStreams > math.MaxUint32:
		return nil, fmt.Errorf("-max-streams must be at most %d", uint32(math.MaxUint32))
	}
	o.MemoryBudget, o.MaxReplyBytes, o.StreamBuffer = int64(f.memoryBudget), int(f.maxReply), int(f.streamBuffer)
	o.MaxConcurrentStreams = uint32(f.maxStreams)
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("flags: %w", err)
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
	if err := loadSecurity(f); err != nil {
		log.Error("cannot start", "err", err)
		return 2
	}
	var heads *align.Selector
	if f.headsSet {
		heads = &f.heads
	}
	ms, err := server.LoadModels(f.modelsDir, heads)
	if err != nil {
		log.Error("cannot load models", "err", err)
		if errors.Is(err, server.ErrAlignmentHeads) {
			return 2 // a flag that does not fit the models
		}
		return 3 // missing or corrupt models, as for translate-cli
	}
	f.opts.Logger = log
	srv, err := server.New(f.opts, ms)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
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
	log.Info("serving", "addr", lis.Addr().String(), "metrics_addr", metricsAddr, "models", ms.Names(),
		"workers", f.opts.Workers, "queue", f.opts.Queue, "tls", f.opts.TLS != nil, "client_certificates", f.tlsClientCA != "",
		"tokens", f.opts.Tokens != nil)
	if ready != nil {
		ready(lis.Addr().String(), metricsAddr)
	}
	// Either server failing stops the other; a stop request stops both.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(ctx, lis); cancel() }()
	running := 1
	if mlis != nil {
		running++
		go func() { errs <- srv.ServeMetrics(ctx, mlis); cancel() }()
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

// loadSecurity reads the TLS files and the token file the flags name.
func loadSecurity(f *flags) error {
	if f.tlsCert != "" {
		cfg, err := server.LoadTLS(f.tlsCert, f.tlsKey, f.tlsClientCA)
		if err != nil {
			return err
		}
		f.opts.TLS = cfg
	}
	if f.tokenFile != "" {
		t, err := server.LoadTokens(f.tokenFile)
		if err != nil {
			return err
		}
		f.opts.Tokens = t
	}
	return nil
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
