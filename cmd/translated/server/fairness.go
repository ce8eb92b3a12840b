package server

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Fairness is per client: the pool shares workers and queue places among
// clients (see pool), and a client is
//
//   - with bearer tokens, the name its token has in the token file, so
//     that one client's connections count together;
//   - without, one connection (the peer's address and port), so that a
//     proxy's or a NAT's many clients are not taken for one;
//   - for a call through LocalConn (the HTTP gateway), the HTTP client's
//     address, which the gateway appends to x-forwarded-for: all the
//     gateway's calls share one in-process connection;
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
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return "unknown"
	}
	if p.Addr.Network() == "bufconn" { // LocalConn
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("x-forwarded-for"); len(v) > 0 {
			// The gateway appends its client's address last; what comes
			// before it is what the client sent, and is not trusted.
			hops := strings.Split(v[len(v)-1], ",")
			return "http:" + strings.TrimSpace(hops[len(hops)-1])
		}
		return "local"
	}
	return "conn:" + p.Addr.String()
}
