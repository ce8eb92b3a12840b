package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/translated/translated/nmt/corpus/extract"
)

func runJoin(args []string, stdout, stderr io.Writer) int {
	fs, o := newFlagSet("corpus join", "output `TSV` (source, English, Spanish); gzip-compressed when it ends in .gz", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.out == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "corpus join: need --out and one or more NAME=FILE (English<TAB>Spanish, from corpus extract)")
		return 2
	}
	if err := join(o.out, o.heldOut, fs.Args(), stdout); err != nil {
		fmt.Fprintf(stderr, "corpus join: %v\n", err)
		return 1
	}
	return 0
}

func join(out, heldOut string, sources []string, report io.Writer) error {
	held, err := readHeldOut(heldOut)
	if err != nil {
		return err
	}
	j := extract.NewJoiner(held)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	var w io.Writer = f
	var gz *gzip.Writer
	if strings.HasSuffix(out, ".gz") {
		gz = gzip.NewWriter(f)
		w = gz
	}
	bw := bufio.NewWriter(w)
	var stats []extract.JoinStats
	for _, arg := range sources {
		name, path, ok := strings.Cut(arg, "=")
		if !ok || name == "" || strings.ContainsAny(name, "\t\n") {
			err = fmt.Errorf("%q is not NAME=FILE", arg)
			break
		}
		var src extract.Source
		if src, err = readSource(name, path); err != nil {
			break
		}
		pairs, st := j.Add(src)
		stats = append(stats, st)
		for _, p := range pairs {
			fmt.Fprintf(bw, "%s\t%s\t%s\n", name, p.En, p.Es)
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if gz != nil {
		if cerr := gz.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	writeJoinReport(report, stats)
	return nil
}

// readSource reads a file of English<TAB>Spanish lines.
func readSource(name, path string) (extract.Source, error) {
	src := extract.Source{Name: name}
	err := eachLine(path, func(n int, fields []string) error {
		if len(fields) != 2 {
			return fmt.Errorf("line %d: %d columns, want 2 (English, Spanish)", n, len(fields))
		}
		src.Pairs = append(src.Pairs, extract.Pair{En: fields[0], Es: fields[1]})
		return nil
	})
	return src, err
}

func writeJoinReport(w io.Writer, stats []extract.JoinStats) {
	fmt.Fprintln(w, "| source | read | duplicate | held-out | kept |\n|---|---:|---:|---:|---:|")
	var all extract.JoinStats
	for _, s := range stats {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d |\n", s.Name, s.Read, s.Duplicate, s.HeldOut, s.Kept)
		all.Read += s.Read
		all.Duplicate += s.Duplicate
		all.HeldOut += s.HeldOut
		all.Kept += s.Kept
	}
	fmt.Fprintf(w, "| **all** | %d | %d | %d | %d |\n", all.Read, all.Duplicate, all.HeldOut, all.Kept)
}
