package nmt

import (
	"errors"
	"fmt"
)

// Domain errors. Adapters map them to their own vocabulary (gRPC codes, exit
// codes) with errors.Is; the wrapped message is one sentence for the user.
var (
	// ErrInvalidArgument: the request itself is wrong (a bad option, invalid
	// UTF-8, a text over a limit). The message names the field.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrBadModel: a model directory is missing, incomplete or corrupt.
	ErrBadModel = errors.New("bad model")
)

// invalidf wraps ErrInvalidArgument with a formatted sentence.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidArgument, fmt.Sprintf(format, args...))
}
