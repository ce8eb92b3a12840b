package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/translated/translated/nmt"
)

// bulk translates a file into a file (translate --input --output): the
// input is cut into calls of batch lines, parallel calls are in flight at
// once (over every server --server names), and the output is written in
// input order, one result per input line, as the stdin mode prints it.
// A call that fails for a reason that may pass (a server gone, a busy
// server) is retried; a line the server refuses becomes an empty line (an
// error object in json) as in the stdin mode. A journal beside the output
// (journal.go) lets the same command, run again, resume. bulkflags.go
// checks the flags and gives their defaults, bulkcall.go makes one call
// with its retries, progress.go reports.
type bulk struct {
	tr       translator
	opts     nmt.Options
	format   string
	attn     bool // --attention
	batch    int
	parallel int
	// attempts bounds the calls per batch; backoff is the first wait
	// between two, doubled each time up to maxBackoff.
	attempts            int
	backoff, maxBackoff time.Duration
	stderr              *lockedWriter
}

// bulkChunk is one call's worth of input lines.
type bulkChunk struct {
	index int   // 0-based, in input order
	first int64 // 1-based number of its first input line
	lines []string
}

// bulkResult is a chunk's output.
type bulkResult struct {
	index          int
	data           []byte
	lines, refused int64
	err            error
}

// run translates input into output with settings (settingsSum) and
// reports as a command does: an exit code, messages on stderr.
func (b *bulk) run(ctx context.Context, input, output, settings string) int {
	size, sum, total, err := fingerprint(input)
	if err != nil {
		fmt.Fprintf(b.stderr, "translate-cli: --input: %v\n", err)
		return exitUsage
	}
	j, resumed, err := openJournal(output, journalHeader{inputSize: size, inputSum: sum, settings: settings})
	if err != nil {
		fmt.Fprintf(b.stderr, "translate-cli: --output: %v\n", err)
		return exitUsage
	}
	if resumed {
		fmt.Fprintf(b.stderr, "translate-cli: resuming at line %d of %d (%s)\n", j.done.lines+1, total, j.path)
	}
	in, err := os.Open(input)
	if err != nil {
		j.close()
		fmt.Fprintf(b.stderr, "translate-cli: --input: %v\n", err)
		return exitUsage
	}
	defer in.Close()
	prog := newProgress(b.stderr, total, j.done.lines)
	err = b.translateAll(ctx, in, j, prog)
	prog.stop()
	if err != nil {
		j.close()
		fmt.Fprintf(b.stderr, "translate-cli: %v\n", err)
		fmt.Fprintf(b.stderr, "translate-cli: %d of %d lines are in %s; run the same command again to continue\n", j.done.lines, total, output)
		return errorCode(err)
	}
	if j.done.lines != total {
		j.close()
		fmt.Fprintf(b.stderr, "translate-cli: read %d lines of %d: the input changed while it was read\n", j.done.lines, total)
		return exitFailure
	}
	if err := j.finish(); err != nil {
		fmt.Fprintf(b.stderr, "translate-cli: --output: %v\n", err)
		return exitFailure
	}
	prog.summary(output)
	if j.done.refused > 0 {
		fmt.Fprintf(b.stderr, "translate-cli: %d lines were refused (messages above); each is an empty line in the output (an error object in json)\n", j.done.refused)
		return exitUsage
	}
	return exitOK
}

// translateAll translates the input's lines past those j has committed,
// committing each result in input order as soon as those before it are
// done. It returns the first failure, after committing every result
// before it.
func (b *bulk) translateAll(ctx context.Context, in io.Reader, j *journal, prog *progress) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan bulkChunk)
	results := make(chan bulkResult, b.parallel)
	// window bounds the chunks read but not yet committed, and so the
	// results held back behind a slow one.
	window := make(chan struct{}, 2*b.parallel)
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		readErr <- b.read(ctx, in, j.done.lines, chunks, window)
	}()
	var wg sync.WaitGroup
	for range b.parallel {
		wg.Go(func() {
			for c := range chunks {
				r := b.translateChunk(ctx, c)
				results <- r
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	var failure error
	fail := func(err error) {
		if failure == nil {
			failure = err
			cancel()
		}
	}
	order := inOrder{held: map[int]bulkResult{}}
	for r := range results {
		if r.err != nil {
			fail(r.err)
			continue
		}
		data, lines, refused, n := order.add(r)
		for range n {
			<-window
		}
		if n == 0 || errors.Is(failure, errCommit) {
			continue
		}
		if err := j.commit(data, lines, refused); err != nil {
			fail(fmt.Errorf("%w: %v", errCommit, err))
			continue
		}
		prog.set(j.done.lines)
	}
	if failure != nil {
		if parent.Err() != nil {
			return errors.New("interrupted")
		}
		return failure
	}
	return <-readErr
}

// inOrder puts results back in input order.
type inOrder struct {
	held map[int]bulkResult // results waiting for one before them
	next int                // the index of the next result in order
	buf  bytes.Buffer
}

// add takes r and returns the output of the n results now next in order
// (r's, and those that waited for it), and the input lines and refused
// lines they hold. data is valid until the next call.
func (o *inOrder) add(r bulkResult) (data []byte, lines, refused int64, n int) {
	o.held[r.index] = r
	o.buf.Reset()
	for {
		h, ok := o.held[o.next]
		if !ok {
			return o.buf.Bytes(), lines, refused, n
		}
		delete(o.held, o.next)
		o.next++
		o.buf.Write(h.data)
		lines, refused, n = lines+h.lines, refused+h.refused, n+1
	}
}

// errCommit marks a failure to write the output or the journal.
var errCommit = errors.New("--output")

// read cuts the input into chunks of b.batch lines, after skipping the
// skip lines already done, taking a place in window for each.
func (b *bulk) read(ctx context.Context, in io.Reader, skip int64, chunks chan<- bulkChunk, window chan struct{}) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var n int64
	c := bulkChunk{first: skip + 1}
	send := func() bool {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return false
		}
		select {
		case chunks <- c:
		case <-ctx.Done():
			return false
		}
		c = bulkChunk{index: c.index + 1, first: c.first + int64(len(c.lines))}
		return true
	}
	for sc.Scan() {
		if n++; n <= skip {
			continue
		}
		c.lines = append(c.lines, strings.TrimSuffix(sc.Text(), "\r"))
		if len(c.lines) == b.batch && !send() {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--input: line %d: %w", n+1, err)
	}
	if len(c.lines) > 0 {
		send()
	}
	return nil
}
