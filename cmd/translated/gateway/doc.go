// Package gateway serves the translated API over HTTP/JSON, together with
// a web page that shows translations being made, for browsers and for
// every client that does not speak gRPC. New builds one http.Handler:
//
//   - /v1/...: every RPC of proto/translate/v1 as HTTP/JSON, mapped by the
//     google.api.http options of the proto (grpc-gateway's generated
//     translate.pb.gw.go); TranslateStream answers with newline-delimited
//     JSON (gateway.go);
//   - /openapi.json: the OpenAPI description generated from the proto;
//   - /: the page, embedded (web/, page.go): a live alignment heatmap that
//     grows with the streamed tokens, word links, confidence, n-best,
//     Align mode and exports;
//   - /export: an alignment the page holds, written by package align's
//     exporters (export.go);
//   - /translate, /languages, /detect, /frontend/settings: the
//     LibreTranslate API, so that its clients work unchanged (libre.go,
//     libre_html.go; source "auto" is detected by nmt/langid).
//
// Every translation goes through a gRPC client connection (Options.Conn),
// normally server.Server.LocalConn: an in-process connection to the very
// grpc.Server that serves the network, so that the HTTP API has the same
// limits, worker pool, metrics, log lines and authentication as gRPC
// without repeating any of them. The package does not translate, load
// models or hold a tokenizer; it imports the API, nmt/align (exports,
// words) and nmt/langid, and nothing of cmd/.
package gateway
