//go:build !linux

package safetensors

import "os"

// mapFile maps nothing here: the Reader reads with pread.
func mapFile(*os.File, int64) []byte { return nil }

func unmapFile([]byte) {}

func dropPages([]byte) {}
