package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
)

// Errors of the server itself, beside the domain errors of package nmt.
var (
	// errOverloaded: every worker is busy and the queue is full.
	errOverloaded = errors.New("server overloaded: every decoding worker is busy and the queue is full; retry later")
	// errUnknownModel: the server serves no model of the requested name.
	errUnknownModel = errors.New("no such model")
	// errUnknownPair: no model serves the requested language pair.
	errUnknownPair = errors.New("no model for this language pair")
)

// errorCodes is the one table from errors to gRPC codes. The first entry
// that errors.Is matches wins; an error matching none is a bug and becomes
// Internal with a generic message (the details go to the log only).
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{nmt.ErrInvalidArgument, codes.InvalidArgument},
	{errUnknownModel, codes.NotFound},
	{errUnknownPair, codes.NotFound},
	{errOverloaded, codes.ResourceExhausted},
	{context.Canceled, codes.Canceled},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
}

// toStatus turns any error a handler meets into a gRPC status error. It
// keeps statuses that are already statuses (from the gRPC runtime).
func toStatus(log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return status.Error(e.code, err.Error())
		}
	}
	log.Error("internal error", "err", err)
	return status.Error(codes.Internal, "internal error")
}

// invalidf returns a domain invalid-argument error naming a field.
func invalidf(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", nmt.ErrInvalidArgument, field, fmt.Sprintf(format, args...))
}
