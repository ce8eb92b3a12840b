package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/translated/translated/nmt"
)

// bulkAttempts bounds the calls made for one batch of lines (each of
// which gRPC and busyRetry may already have sent more than once).
const bulkAttempts = 6

// checkBulk checks the flags of a translation of a file: --input and
// --output together, on different files, without text arguments or
// --align-out; --parallel only with them, and not negative.
func checkBulk(input, output string, parallel, args int, alignOut bool) error {
	switch {
	case (input == "") != (output == ""):
		return errors.New("--input and --output go together")
	case input == "" && parallel != 0:
		return errors.New("--parallel is for --input")
	case input == "":
		return nil
	case parallel < 0:
		return fmt.Errorf("--parallel must not be negative, got %d", parallel)
	case args > 0:
		return errors.New("--input excludes texts as arguments")
	case alignOut:
		return errors.New("--align-out does not go with --input")
	}
	a, errA := filepath.Abs(input)
	b, errB := filepath.Abs(output)
	if errA == nil && errB == nil && a == b {
		return errors.New("--output must not be the --input file")
	}
	ia, errA := os.Stat(input)
	ib, errB := os.Stat(output)
	if errA == nil && errB == nil && os.SameFile(ia, ib) {
		return errors.New("--output must not be the --input file")
	}
	return nil
}

// defaultParallel is --parallel's default: 2 calls per address --server
// names (a target such as dns:/// counts as one; 1 for a local model):
// one decoding and one waiting on each server, which keeps a server of one
// worker busy while replies travel, and stays within any server's share
// for one client (--per-client: by default half its workers and queue, at
// least 2.5 calls). Servers of more workers take more: about workers + 1
// per server.
func defaultParallel(server string) int {
	if server == "" {
		return 1
	}
	_, _, n, err := serverTarget(server)
	if err != nil {
		return 2
	}
	return 2 * n
}

// settingsSum is the SHA-256 of what shapes the output bytes besides the
// input: a journal written under other settings cannot be resumed.
func settingsSum(mf *modelFlags, b *bulk) string {
	s, _ := json.Marshal(struct {
		Local           bool
		Model, From, To string
		Format          string
		Attention       bool
		Batch           int
		Options         nmt.Options
	}{mf.server == "", mf.dir, mf.from, mf.to, b.format, b.attn, b.batch, b.opts})
	sum := sha256.Sum256(s)
	return hex.EncodeToString(sum[:])
}
