// Command corpus builds and cleans the general-domain parallel corpus.
//
//	corpus extract KIND [--out FILE] ARGS...   pairs out of one kind of source file
//	corpus join --out FILE [--held-out FILES] NAME=FILE...
//	corpus clean --out FILE [--held-out FILES] INPUT
//
// extract writes English<TAB>Spanish lines (see "corpus extract" for the
// kinds). join puts the sources together as the corpus's three columns
// (source, English, Spanish), without exact duplicates or pairs sharing a
// side with a --held-out file. clean reads those three columns, gzip-
// compressed or plain, and writes four, in the layout the trainer reads
// with its defaults (ref, book, English, Spanish): ref is source:line,
// book is the source name. Every pair sharing a side with a line of a
// --held-out file (English<TAB>Spanish) is dropped. A Markdown table of
// what each filter removed, per source, goes to standard output.
//
// scripts/corpus/general.sh runs extract and join on the Debian packages
// and downloads the corpus is made of; docs/data.md tells the sources.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: corpus extract KIND [--out FILE] ARGS...
       corpus join --out FILE [--held-out FILES] NAME=FILE...
       corpus clean --out FILE [--held-out FILES] INPUT`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "clean":
		return runClean(args[1:], stdout, stderr)
	case "extract":
		return runExtract(args[1:], stdout, stderr)
	case "join":
		return runJoin(args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return 2
}
