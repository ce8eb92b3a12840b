package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// errUsage is returned after a flag set has printed what was wrong.
var errUsage = errors.New("usage")

// pairLanguages returns the two language codes of a file named
// NAME.XX-YY.tsv or NAME.XX-YY.tsv.gz.
func pairLanguages(path string) (string, string, error) {
	name := strings.TrimSuffix(filepath.Base(path), ".gz")
	stem, ok := strings.CutSuffix(name, ".tsv")
	pair := stem[strings.LastIndexByte(stem, '.')+1:]
	a, b, dash := strings.Cut(pair, "-")
	if !ok || !dash || a == "" || b == "" || a == b {
		return "", "", fmt.Errorf("%s: name does not end in .XX-YY.tsv or .XX-YY.tsv.gz (the two languages)", path)
	}
	return a, b, nil
}

// readLines calls fn with the tab-separated fields of every line of a
// plain or gzip-compressed text file and the line's number from 1.
func readLines(path string, fn func(num int, fields []string) error) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := io.Reader(f)
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	br := bufio.NewReaderSize(r, 1<<16)
	for num := 1; ; num++ {
		line, rerr := br.ReadString('\n')
		if line == "" && rerr == io.EOF {
			return nil
		}
		if rerr != nil && rerr != io.EOF {
			return fmt.Errorf("%s: %w", path, rerr)
		}
		line = strings.TrimRight(line, "\r\n")
		if err := fn(num, strings.Split(line, "\t")); err != nil {
			return fmt.Errorf("%s:%d: %w", path, num, err)
		}
	}
}
