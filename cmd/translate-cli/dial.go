package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"
)

// How --server becomes a connection. One address (host:port) or any gRPC
// target (dns:///translated-headless.ns.svc:50051, unix:///run/t.sock)
// goes to grpc.NewClient as it is; several comma-separated addresses are
// served by a resolver of this connection's own (gRPC's manual resolver).
// Either way the service config below balances calls over every address
// the target resolves to with gRPC's round_robin policy, and retries.

// serviceConfig is the connection's gRPC service config:
//
//   - round_robin sends each call to the next ready server: a server that
//     stops (GOAWAY, refused connection) drops out until it answers again.
//   - calls that fail UNAVAILABLE before any reply arrived (a server that
//     went away or could not be reached) are sent again, to the next
//     server, 5 attempts in all, after an exponential backoff: gRPC waits
//     a random time of up to 0.2 s, then 0.4 s, 0.8 s and 1.6 s (the 3 s
//     cap is for longer policies).
//
// RESOURCE_EXHAUSTED is not in the retry policy: the server sends it for
// a busy queue (with google.rpc.RetryInfo: try again in a moment) and for
// a request over a limit (without: the same request fails again), and
// gRPC's retries cannot tell them apart, nor wait as long as RetryInfo
// asks. busyRetry does that.
const serviceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "translate.v1.TranslationService"}],
    "retryPolicy": {
      "maxAttempts": 5,
      "initialBackoff": "0.2s",
      "maxBackoff": "3s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// listScheme names the resolver of a comma-separated --server list.
const listScheme = "translate-cli-list"

// serverTarget turns --server into a gRPC target, the dial options it
// needs (a resolver for a list) and how many addresses it names (1 for a
// target that a resolver expands, such as dns:///).
func serverTarget(server string) (string, []grpc.DialOption, int, error) {
	server = strings.TrimSpace(server)
	if server == "" {
		return "", nil, 0, errors.New("--server is empty")
	}
	if !strings.Contains(server, ",") {
		return server, nil, 1, nil
	}
	var endpoints []resolver.Endpoint
	for a := range strings.SplitSeq(server, ",") {
		a = strings.TrimSpace(a)
		host, port, err := net.SplitHostPort(a)
		if err != nil || port == "" {
			return "", nil, 0, fmt.Errorf("--server: %q in a list is not host:port (a list takes addresses; gRPC targets such as dns:/// go alone)", a)
		}
		// ServerName: TLS checks each server's certificate against its
		// own host, not the list's made-up authority.
		endpoints = append(endpoints, resolver.Endpoint{Addresses: []resolver.Address{{Addr: a, ServerName: host}}})
	}
	r := manual.NewBuilderWithScheme(listScheme)
	r.InitialState(resolver.State{Endpoints: endpoints})
	return listScheme + ":///servers", []grpc.DialOption{grpc.WithResolvers(r)}, len(endpoints), nil
}

// balanceOptions are the dial options every connection to servers gets:
// the service config, busyRetry, and keepalive pings that find a server
// gone silent (no reply to a ping within 20 s while calls are open), so
// that its calls fail UNAVAILABLE and are retried instead of hanging.
func balanceOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultServiceConfig(serviceConfig),
		grpc.WithChainUnaryInterceptor(defaultBusyRetry.unary),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 20 * time.Second}),
	}
}

// busyRetry sends a unary call again when the server refused it with
// RESOURCE_EXHAUSTED and a google.rpc.RetryInfo (it was busy), after the
// delay RetryInfo names (at most maxDelay) plus up to a quarter more at
// random, so that calls refused together do not all return together. A
// refusal without RetryInfo (a request over a limit) is final. round_robin
// sends the new attempt to the next server.
type busyRetry struct {
	attempts int           // calls in all, the first included
	maxDelay time.Duration // cap on one wait
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

var defaultBusyRetry = busyRetry{attempts: 4, maxDelay: 30 * time.Second, sleep: sleepCtx}

func (b busyRetry) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	for attempt := 1; ; attempt++ {
		err := invoker(ctx, method, req, reply, cc, opts...)
		delay, ok := retryDelay(err)
		if !ok || attempt >= b.attempts {
			return err
		}
		delay = min(delay, b.maxDelay)
		delay += time.Duration(rand.Int64N(int64(delay)/4 + 1))
		if b.sleep(ctx, delay) != nil {
			return err
		}
	}
}

// retryDelay returns the delay of err's google.rpc.RetryInfo when err is
// RESOURCE_EXHAUSTED and carries one.
func retryDelay(err error) (time.Duration, bool) {
	s, ok := status.FromError(err)
	if !ok || s.Code() != codes.ResourceExhausted {
		return 0, false
	}
	for _, d := range s.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return max(ri.GetRetryDelay().AsDuration(), 0), true
		}
	}
	return 0, false
}

// sleepCtx waits d, or returns ctx's error when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
