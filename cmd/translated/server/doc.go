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
// One concern per file: server.go (Options, New, Serve, graceful stop),
// models.go, open.go and languages.go (loading model directories, naming
// models and choosing each pair's default), api.go (the handlers), list.go
// (ListModels pages), limits.go (request checks), codec.go (requests with
// invalid UTF-8), pool.go (decoding workers and queue), convert.go,
// spans.go and alignment.go (results to API messages), alignopts.go (a
// request's alignment heads and symmetrization), errors.go (the one table
// from errors to gRPC codes), interceptors.go (logs, metrics, panics),
// local.go (an in-process client connection for gateways), metrics.go and
// health.go.
//
// The package holds no translation logic: that is package nmt, reached
// through the small engine interface. It imports nothing of cmd/, and
// clients use the generated package proto/translate/v1, not this one.
package server
