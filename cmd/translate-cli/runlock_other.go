//go:build !unix

package main

// lockRun does not lock on systems without flock.
func lockRun(string) (func(), error) { return func() {}, nil }
