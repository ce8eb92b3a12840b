// Package server is the translated gRPC service: the TranslationService of
// proto/translate/v1 over a set of model directories, with the standard
// health service, server reflection and Prometheus metrics. Command
// translated wires it to flags, listeners and signals; a gateway, a test
// or another program can embed it the same way:
//
//	ms, err := server.LoadModels("checkpoints", nil)
//	srv, err := server.New(server.DefaultOptions(), ms)
//	err = srv.Serve(ctx, listener) // until ctx ends, then a graceful stop
//
// or call its RPC methods (Translate, TranslateStream, Align, ListModels)
// directly, which skips the per-call log line, metrics and panic recovery
// that Serve's interceptors add. LocalConn gives an in-process client
// connection that skips nothing (package gateway serves HTTP through it).
//
// One concern per file: server.go (Options, New, Serve, graceful stop,
// the gRPC server's settings), models.go, open.go and languages.go
// (loading model directories, naming models and choosing each pair's
// default), api.go (the handlers), list.go (ListModels pages), limits.go
// (request checks), budget.go (a request's estimated memory), codec.go
// (requests that do not decode), pool.go (decoding workers, queue, fair
// sharing among clients and the memory budget, places of a worker shared
// by requests that decode in one batch through nmt.Batcher), fairness.go (who a
// call's client is), sender.go (TranslateStream events, decoupled from the
// client's network), convert.go, spans.go and alignment.go (results to API
// messages), alignopts.go (a request's alignment heads and symmetrization),
// errors.go (the one table from errors to gRPC codes and
// status details), interceptors.go (logs, metrics, panics, tokens),
// stats.go (what gRPC refuses before the interceptors), auth.go (bearer
// tokens), tls.go, local.go (an in-process client connection for
// gateways), metrics.go and health.go. Package servertest makes the
// certificates of TLS tests.
//
// A gateway that serves the same API over HTTP reuses the same checks:
// Authorize for the token of a request, WithClient to name its client for
// fair sharing, Instrument around each call for its log line and
// metrics; the handlers apply the limits, the memory budget, the decoding
// time limit and the reply cap themselves.
//
// The package holds no translation logic: that is package nmt, reached
// through the small engine interface. It imports nothing of cmd/, and
// clients use the generated package proto/translate/v1, not this one.
package server
