package gateway

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks, once every test has run, that none left a goroutine
// behind: a stream, a connection or a server not closed. The workers that
// nmt/tensor starts for large matrix products live as long as the process
// and are no leak.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/translated/translated/nmt/tensor.help"))
}
