package server

import (
	"context"

	"google.golang.org/grpc/peer"
)

// Fairness is per client: the pool shares workers and queue places among
// clients (see pool), and a client is
//
//   - with bearer tokens, the name its token has in the token file, so
//     that one client's connections count together;
//   - without, one connection (the peer's address and port), so that a
//     proxy's or a NAT's many clients are not taken for one;
//   - for a gateway that calls the handlers directly, whatever it names
//     with WithClient.

type clientKey struct{}

// WithClient returns ctx naming the client a call is for, for the server's
// fair sharing of its workers: a gateway calls it with, say, the name
// Authorize returned or its own client's address.
func WithClient(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, clientKey{}, name)
}

// clientOf names the client of a call.
func clientOf(ctx context.Context) string {
	if name, ok := ctx.Value(clientKey{}).(string); ok {
		return name
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return "conn:" + p.Addr.String()
	}
	return "unknown"
}
