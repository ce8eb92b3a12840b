package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/translated/translated/nmt"
)

// Errors of the server itself, beside the domain errors of package nmt.
var (
	// errOverloaded: every worker is busy and the queue is full.
	errOverloaded = &limitError{limit: "queue", retry: time.Second,
		msg: "server overloaded: every decoding worker is busy and the queue is full (--workers, --queue); retry later"}
	// errUnknownModel: the server serves no model of the requested name.
	errUnknownModel = errors.New("no such model")
	// errUnknownPair: no model serves the requested language pair.
	errUnknownPair = errors.New("no model for this language pair")
	// errUnauthenticated: a call without a valid bearer token.
	errUnauthenticated = errors.New("unauthenticated")
)

// fieldError refuses one field of a request: InvalidArgument, with the
// field first in the message and as a google.rpc.BadRequest violation.
type fieldError struct {
	field, reason string
}

func (e *fieldError) Error() string { return e.field + ": " + e.reason }

// Is makes every fieldError a domain invalid-argument error.
func (e *fieldError) Is(target error) bool { return target == nmt.ErrInvalidArgument }

// invalidf returns an invalid-argument error naming a field. Strings of
// the request in args must go through quote first.
func invalidf(field, format string, args ...any) error {
	return &fieldError{field: field, reason: fmt.Sprintf(format, args...)}
}

// limitError refuses a request because of a limit of the server's, not
// of the request's fields: ResourceExhausted, naming the limit. retry,
// when positive, says the same request may pass later (RetryInfo).
type limitError struct {
	limit string // the option or flag, for QuotaFailure
	msg   string
	retry time.Duration
}

func (e *limitError) Error() string { return e.msg }

// timeLimitError: decoding ran past Options.MaxDecodeTime.
type timeLimitError struct{ limit time.Duration }

func (e *timeLimitError) Error() string {
	return fmt.Sprintf("decoding took longer than this server's limit of %v per call (--max-decode-time); ask for less (fewer texts, a smaller beam_size or max_length)", e.limit)
}

// statusOf converts a handler's error with toStatus, counting the
// refusals of the server's limits by method and limit.
func (s *Server) statusOf(method string, err error) error {
	var (
		le *limitError
		te *timeLimitError
	)
	switch {
	case errors.As(err, &le):
		s.metrics.rejected.WithLabelValues(method, le.limit).Inc()
	case errors.As(err, &te):
		s.metrics.rejected.WithLabelValues(method, "decode_time").Inc()
	}
	return toStatus(s.log, err)
}

// errorCodes is the one table from errors to gRPC codes. The first entry
// that errors.Is matches wins; an error matching none (and none of the
// types toStatus knows) is a bug and becomes Internal with a generic
// message (the details go to the log only).
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{nmt.ErrInvalidArgument, codes.InvalidArgument},
	{errUnknownModel, codes.NotFound},
	{errUnknownPair, codes.NotFound},
	{errUnauthenticated, codes.Unauthenticated},
	{context.Canceled, codes.Canceled},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
}

// toStatus turns any error a handler meets into a gRPC status error. It
// keeps statuses that are already statuses (from the gRPC runtime).
// Invalid arguments carry a google.rpc.BadRequest field violation, and
// limits a QuotaFailure and, when a retry may pass, a RetryInfo.
func toStatus(log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	var (
		fe *fieldError
		le *limitError
		te *timeLimitError
	)
	switch {
	case errors.As(err, &fe):
		return withDetails(status.New(codes.InvalidArgument, fe.Error()), badRequest(fe.field, fe.reason))
	case errors.As(err, &le):
		details := []protoDetail{&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{Subject: le.limit, Description: le.msg}}}}
		if le.retry > 0 {
			details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(le.retry)})
		}
		return withDetails(status.New(codes.ResourceExhausted, le.msg), details...)
	case errors.As(err, &te):
		return status.Error(codes.DeadlineExceeded, te.Error())
	case errors.Is(err, nmt.ErrInvalidArgument):
		// A refusal of the translator's: its message starts with the field
		// when it names one.
		msg := strings.TrimPrefix(err.Error(), nmt.ErrInvalidArgument.Error()+": ")
		if field, reason, ok := strings.Cut(msg, ": "); ok && fieldPath.MatchString(field) {
			return withDetails(status.New(codes.InvalidArgument, msg), badRequest(field, reason))
		}
		return status.Error(codes.InvalidArgument, msg)
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return status.Error(e.code, err.Error())
		}
	}
	log.Error("internal error", "err", clip(err.Error()))
	return status.Error(codes.Internal, "internal error")
}

// fieldPath matches a request field path: options.n_best, texts[3].
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*$`)

// protoDetail is a status detail message.
type protoDetail = protoadapt.MessageV1

func badRequest(field, reason string) protoDetail {
	return &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: reason}}}
}

// withDetails attaches details to st; a status that cannot take them (a
// bug) goes out without.
func withDetails(st *status.Status, details ...protoDetail) error {
	if withd, err := st.WithDetails(details...); err == nil {
		return withd.Err()
	}
	return st.Err()
}

// Echoes of what a client sent (a model name, a language code) are cut to
// echoLimit bytes in statuses and logs: a request may hold megabytes.
const echoLimit = 64

// quote quotes s for a message, cut to echoLimit bytes.
func quote(s string) string {
	if len(s) <= echoLimit {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", strings.ToValidUTF8(s[:echoLimit], ""), len(s))
}

// short cuts s to echoLimit bytes, for an echo that is not quoted.
func short(s string) string {
	if len(s) <= echoLimit {
		return s
	}
	return strings.ToValidUTF8(s[:echoLimit], "") + fmt.Sprintf("… (%d bytes)", len(s))
}

// logLimit bounds any one message the server logs or returns.
const logLimit = 1024

// clip cuts a message to logLimit bytes.
func clip(s string) string {
	if len(s) <= logLimit {
		return s
	}
	return strings.ToValidUTF8(s[:logLimit], "") + fmt.Sprintf("… (%d bytes)", len(s))
}
