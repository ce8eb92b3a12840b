package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/translated/translated/nmt/langid"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// Options set a gateway up. Conn is required; every other field says
// what leaving it zero means.
type Options struct {
	// Conn reaches the TranslationService: normally the server's
	// LocalConn, so that HTTP calls go through its interceptors.
	Conn grpc.ClientConnInterface
	// CORSOrigins are the origins whose pages may call the API from a
	// browser ("https://example.org"; "*" for any). Empty: none, and no
	// CORS header is ever sent.
	CORSOrigins []string
	// MaxTexts is how many texts the gateway puts in one Translate call
	// when it cuts a LibreTranslate HTML document into its text nodes: the
	// server's own limit (server.Limits.MaxTexts). 0: 64.
	MaxTexts int
	// MaxChars is the character limit LibreTranslate clients read from
	// /frontend/settings: the server's own (server.Limits.MaxChars). 0:
	// 10000.
	MaxChars int
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	// 0: 16 MiB.
	MaxBodyBytes int64
	// Identifier detects the language of LibreTranslate texts sent with
	// source "auto". nil: langid.Default().
	Identifier *langid.Identifier
	// Logger receives one line per HTTP request. nil: slog.Default().
	Logger *slog.Logger
}

// Validate returns an error naming a field out of range, if one is.
func (o Options) Validate() error {
	if o.Conn == nil {
		return errors.New("gateway: Conn is required")
	}
	for name, v := range map[string]int64{"MaxTexts": int64(o.MaxTexts), "MaxChars": int64(o.MaxChars), "MaxBodyBytes": o.MaxBodyBytes} {
		if v < 0 {
			return fmt.Errorf("gateway: %s must not be negative, got %d", name, v)
		}
	}
	for _, origin := range o.CORSOrigins {
		if origin != "*" && !strings.Contains(origin, "://") {
			return fmt.Errorf("gateway: CORS origin %q is neither * nor scheme://host[:port]", origin)
		}
	}
	return nil
}

// withDefaults fills in the defaults named on the fields.
func (o Options) withDefaults() Options {
	o.MaxTexts = cmp.Or(o.MaxTexts, 64)
	o.MaxChars = cmp.Or(o.MaxChars, 10000)
	o.MaxBodyBytes = cmp.Or(o.MaxBodyBytes, 16<<20)
	o.Identifier = cmp.Or(o.Identifier, langid.Default())
	o.Logger = cmp.Or(o.Logger, slog.Default())
	return o
}

// OpenAPIPath is where the OpenAPI description is served.
const OpenAPIPath = "/openapi.json"

// New returns the gateway's handler (see the package documentation for
// its paths).
func New(opts Options) (http.Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	api := newAPIMux()
	client := translatev1.NewTranslationServiceClient(opts.Conn)
	if err := translatev1.RegisterTranslationServiceHandlerClient(context.Background(), api, client); err != nil {
		return nil, err
	}
	lt := &libre{client: client, mux: api, id: opts.Identifier, maxTexts: opts.MaxTexts, maxChars: opts.MaxChars}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI)
	mux.Handle("GET /{$}", pageHandler())
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("POST /export", serveExport)
	mux.HandleFunc("POST /translate", lt.translate)
	mux.HandleFunc("GET /languages", lt.languages)
	mux.HandleFunc("POST /detect", lt.detect)
	mux.HandleFunc("GET /frontend/settings", lt.settings)
	h := limitBody(mux, opts.MaxBodyBytes)
	h = cors(h, opts.CORSOrigins)
	return logRequests(h, opts.Logger), nil
}

// newAPIMux is grpc-gateway's mux for /v1: JSON with the proto's
// lowerCamelCase names (either spelling accepted), unknown fields refused,
// streams as newline-delimited JSON. The gRPC response headers are not
// passed on: the server sets none a client needs.
func newAPIMux() *runtime.ServeMux {
	m := &ndjson{JSONPb: &runtime.JSONPb{UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false}}}
	return runtime.NewServeMux(runtime.WithMarshalerOption(runtime.MIMEWildcard, m),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }))
}

// ndjson is the JSON marshaler that names a stream of JSON objects, one a
// line, for what it is.
type ndjson struct{ *runtime.JSONPb }

// StreamContentType implements runtime.StreamContentType.
func (ndjson) StreamContentType(any) string { return "application/x-ndjson" }

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(translatev1.OpenAPI())
}

// limitBody refuses request bodies over n bytes (the reader fails, and
// the handlers answer 413 or 400).
func limitBody(h http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			http.Error(w, fmt.Sprintf("request body of %d bytes is over the limit of %d", r.ContentLength, n), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}

// cors answers the requests of browsers on the listed origins' pages:
// preflights, and the Access-Control-Allow-Origin of every answer. Other
// origins get no CORS header, so browsers keep their pages out.
func cors(h http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return h
	}
	anyOrigin := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (anyOrigin || slices.Contains(origins, origin))
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				w.Header().Set("Access-Control-Max-Age", "3600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// logRequests writes one line per request: the API's calls at info level
// (the RPCs they make log their own lines too), the page's files at debug,
// server errors at error.
func logRequests(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		level := slog.LevelInfo
		switch {
		case sw.status >= 500:
			level = slog.LevelError
		case sw.status == http.StatusTooManyRequests:
			level = slog.LevelWarn
		case r.Method == http.MethodGet && sw.status < 400 && (r.URL.Path == "/" || strings.HasPrefix(r.URL.Path, "/static/")):
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "http", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "latency", time.Since(start), "remote", r.RemoteAddr)
	})
}

// statusWriter records the status and size of an answer; Unwrap lets
// http.ResponseController flush streams through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
