package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
)

// translateChunk translates one chunk; when the server refuses the call
// for a bad argument, it translates the chunk's lines one by one so that
// one bad line costs only itself.
func (b *bulk) translateChunk(ctx context.Context, c bulkChunk) bulkResult {
	r := bulkResult{index: c.index, lines: int64(len(c.lines))}
	var buf bytes.Buffer
	p, _ := newPrinter(b.format, &buf) // the format was checked
	p.attention = b.attn
	res, err := b.call(ctx, c.first, c.lines)
	if err == nil {
		for _, t := range res {
			if err := p.print(t); err != nil {
				return bulkResult{index: c.index, err: err}
			}
		}
		r.data = buf.Bytes()
		return r
	}
	if !errors.Is(err, nmt.ErrInvalidArgument) {
		return bulkResult{index: c.index, err: err}
	}
	for i, text := range c.lines {
		line := c.first + int64(i)
		res, err := b.call(ctx, line, []string{text})
		switch {
		case errors.Is(err, nmt.ErrInvalidArgument):
			r.refused++
			fmt.Fprintf(b.stderr, "translate-cli: line %d: %v\n", line, err)
			err = p.printError(int(line), err)
		case err == nil:
			err = p.print(res[0])
		}
		if err != nil {
			return bulkResult{index: c.index, err: err}
		}
	}
	r.data = buf.Bytes()
	return r
}

// call translates texts, the input lines from first on, retrying
// failures that may pass (retryable) after a growing wait.
func (b *bulk) call(ctx context.Context, first int64, texts []string) ([]nmt.Translation, error) {
	wait := b.backoff
	for attempt := 1; ; attempt++ {
		res, err := b.tr.Translate(ctx, nmt.Request{Texts: texts, Options: b.opts}, nil)
		if err == nil && len(res) != len(texts) {
			err = fmt.Errorf("%d results for %d texts", len(res), len(texts))
		}
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return res, err
		}
		if attempt >= b.attempts {
			return nil, fmt.Errorf("lines %d–%d: %d attempts failed, the last: %w", first, first+int64(len(texts))-1, attempt, err)
		}
		fmt.Fprintf(b.stderr, "translate-cli: lines %d–%d: %v; retrying in %v\n", first, first+int64(len(texts))-1, err, wait)
		if sleepCtx(ctx, wait) != nil {
			return nil, ctx.Err()
		}
		wait = min(2*wait, b.maxBackoff)
	}
}

// retryable reports whether a failed call may pass if sent again: no
// server could take it (UNAVAILABLE, once gRPC's own retries are spent),
// or a server was busy (RESOURCE_EXHAUSTED with RetryInfo, once
// busyRetry's attempts are spent), or the call was cut off (ABORTED).
func retryable(err error) bool {
	if _, busy := retryDelay(err); busy {
		return true
	}
	s, ok := status.FromError(err)
	return ok && (s.Code() == codes.Unavailable || s.Code() == codes.Aborted)
}
