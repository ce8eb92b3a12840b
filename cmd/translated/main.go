// Command translated serves neural machine translation over gRPC: every
// model directory under --models, named by its directory, with token
// streaming and alignment (see docs/api.md and docs/operations.md); with
// --http-addr, also over HTTP/JSON, with a web page and a
// LibreTranslate-compatible API.
//
// main.go only parses flags and wires things together: logging, models,
// listeners and signals. The service itself is package
// cmd/translated/server, the HTTP side package cmd/translated/gateway;
// clients use the generated package proto/translate/v1.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/translated/translated/cmd/translated/gateway"
	"github.com/translated/translated/cmd/translated/server"
	"github.com/translated/translated/nmt"
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
	httpAddr          string   // the HTTP gateway's address; empty: none
	corsOrigins       []string // origins whose pages may call the HTTP API
	modelsDir         string
	heads             align.Selector
	headsSet          bool   // -alignment-heads was given: it overrides each model's own
	shortlists        bool   // -shortlist: decode with the models' shipped shortlists
	dtype             string // -dtype: "" (as stored) or int8
	logFormat         string
	logLevel          slog.Level
	tlsCert, tlsKey   string
	tlsClientCA       string
	tokenFile         string
	cpuProfile        string // file of a CPU profile of the whole run; empty: none
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
	fs.StringVar(&f.httpAddr, "http-addr", "", "HTTP listen address of the web page, the HTTP/JSON API and the LibreTranslate API (empty: none)")
	fs.Func("cors-origins", "comma-separated origins whose web pages may call the HTTP API (scheme://host[:port], or * for any; default none)", func(v string) error {
		for _, o := range strings.Split(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				f.corsOrigins = append(f.corsOrigins, o)
			}
		}
		return nil
	})
	fs.StringVar(&f.modelsDir, "models", "checkpoints", "directory whose subdirectories are model directories, each a model named by its directory: <source>-<target> (the pair's default) or <source>-<target>-<variant>")
	fs.TextVar(&f.heads, "alignment-heads", align.AllHeads(), "cross-attention heads that make alignments: avg, layer=L, layer=L,head=H or heads=L:H+L:H, each optionally followed by ,shift (default: each model's measured alignment_heads, else avg)")
	fs.BoolVar(&f.shortlists, "shortlist", true, "decode with the vocabulary shortlist each model directory ships ("+nmt.ShortlistFile+"), if any: each sentence keeps only the target tokens listed for its source tokens, and the output layer computes those only (--shortlist=false: the whole vocabulary)")
	fs.StringVar(&f.dtype, "dtype", "", "int8: quantize every model's weight matrices to int8 (one scale per output row) as they are loaded, a quarter of the bytes read per decoding step (default: the weights as stored)")
	fs.IntVar(&o.Workers, "workers", o.Workers, "requests decoded at once")
	fs.IntVar(&o.BatchSize, "batch-size", o.BatchSize, "most sentences of concurrent requests decoded together in one running decoder, each request taking 1/batch-size of a worker per text (1: every request decodes alone on its worker)")
	fs.IntVar(&o.Lanes, "lanes", o.Lanes, "most running decoders of concurrent requests with the same model and search options that step in parallel (0: workers)")
	fs.IntVar(&o.LaneFill, "lane-fill", o.LaneFill, "sentences every running lane of a set of search options holds before another starts (above 1: fewer, fuller lanes)")
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
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile (go tool pprof) of the time from serving to stopping to this `file`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(fl *flag.Flag) { f.headsSet = f.headsSet || fl.Name == "alignment-heads" })
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	case f.logFormat != "text" && f.logFormat != "json":
		return nil, fmt.Errorf("-log-format must be text or json")
	case f.dtype != "" && f.dtype != "int8":
		return nil, fmt.Errorf("-dtype %q: only int8 is known (leave it out for the weights as stored)", f.dtype)
	case len(f.corsOrigins) > 0 && f.httpAddr == "":
		return nil, fmt.Errorf("-cors-origins needs -http-addr")
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

// listening are the addresses the command serves on; empty when off.
type listening struct{ grpc, metrics, http string }

// run is main without the process: tests call it with their own context
// (cancelling it is SIGTERM) and, through ready, learn the bound addresses.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(listening)) int {
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
	ms, err := server.LoadModelsWith(f.modelsDir, server.LoadOptions{Heads: heads, Shortlists: f.shortlists, Int8: f.dtype == "int8"})
	if err != nil {
		log.Error("cannot load models", "err", err)
		if errors.Is(err, server.ErrAlignmentHeads) {
			return 2 // a flag that does not fit the models
		}
		return 3 // missing or corrupt models, as for translate-cli
	}
	f.opts.Logger = log
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err == nil {
			if err = pprof.StartCPUProfile(pf); err != nil {
				pf.Close()
			}
		}
		if err != nil {
			log.Error("cannot start", "err", err)
			return 2
		}
		defer pf.Close()
		defer pprof.StopCPUProfile()
	}
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
	addrs := listening{grpc: lis.Addr().String()}
	mlis, err := optionalListener(f.metricsAddr, &addrs.metrics)
	if err != nil {
		lis.Close()
		log.Error("cannot listen", "metrics_addr", f.metricsAddr, "err", err)
		return 1
	}
	hlis, err := optionalListener(f.httpAddr, &addrs.http)
	if err != nil {
		closeAll(lis, mlis)
		log.Error("cannot listen", "http_addr", f.httpAddr, "err", err)
		return 1
	}
	var gw http.Handler
	if hlis != nil {
		var conn io.Closer
		if gw, conn, err = newGateway(srv, f, log); err != nil {
			closeAll(lis, mlis, hlis)
			log.Error("cannot start the HTTP gateway", "err", err)
			return 1
		}
		defer conn.Close()
	}
	log.Info("serving", "addr", addrs.grpc, "metrics_addr", addrs.metrics, "http_addr", addrs.http, "models", ms.Names(),
		"workers", f.opts.Workers, "queue", f.opts.Queue, "batch_size", f.opts.BatchSize, "lanes", cmp.Or(f.opts.Lanes, f.opts.Workers), "lane_fill", max(f.opts.LaneFill, 1), "tls", f.opts.TLS != nil, "client_certificates", f.tlsClientCA != "",
		"tokens", f.opts.Tokens != nil)
	if ready != nil {
		ready(addrs)
	}
	// Any server failing stops the others; a stop request stops them all.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 3)
	go func() { errs <- srv.Serve(ctx, lis); cancel() }()
	running := 1
	if mlis != nil {
		running++
		go func() { errs <- srv.ServeMetrics(ctx, mlis); cancel() }()
	}
	if hlis != nil {
		running++
		go func() { errs <- srv.ServeHandler(ctx, hlis, gw, f.opts.ShutdownTimeout); cancel() }()
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

// optionalListener listens on addr unless it is empty, and records the
// bound address.
func optionalListener(addr string, bound *string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	*bound = lis.Addr().String()
	return lis, nil
}

func closeAll(ls ...net.Listener) {
	for _, l := range ls {
		if l != nil {
			l.Close()
		}
	}
}

// newGateway is the HTTP side: the gateway over an in-process connection
// to srv, so that HTTP calls meet the same interceptors, limits and pool as
// gRPC calls. The caller closes the connection once serving is over.
func newGateway(srv *server.Server, f *flags, log *slog.Logger) (http.Handler, io.Closer, error) {
	conn, err := srv.LocalConn()
	if err != nil {
		return nil, nil, err
	}
	gw, err := gateway.New(gateway.Options{Conn: conn, CORSOrigins: f.corsOrigins, MaxTexts: f.opts.Limits.MaxTexts,
		MaxChars: f.opts.Limits.MaxChars, Logger: log})
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return gw, conn, nil
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
