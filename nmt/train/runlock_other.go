//go:build !unix

package train

// LockRun does not lock on systems without flock.
func LockRun(string) (func(), error) { return func() {}, nil }
