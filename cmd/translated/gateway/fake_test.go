package gateway

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// nopConn is a connection no call should reach.
type nopConn struct{}

func (*nopConn) Invoke(context.Context, string, any, any, ...grpc.CallOption) error {
	return errors.New("nopConn: no call expected")
}

func (*nopConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, errors.New("nopConn: no call expected")
}

// recordingConn passes calls on and records the outgoing metadata of
// each, by method.
type recordingConn struct {
	grpc.ClientConnInterface
	mu sync.Mutex
	md map[string][]metadata.MD
}

func (c *recordingConn) record(ctx context.Context, method string) {
	md, _ := metadata.FromOutgoingContext(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.md == nil {
		c.md = map[string][]metadata.MD{}
	}
	c.md[method] = append(c.md[method], md.Copy())
}

func (c *recordingConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	c.record(ctx, method)
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

func (c *recordingConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	c.record(ctx, method)
	return c.ClientConnInterface.NewStream(ctx, desc, method, opts...)
}

func (c *recordingConn) calls(method string) []metadata.MD {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.md[method]
}
