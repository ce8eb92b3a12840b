// Command langid builds and measures the language identifier of
// nmt/langid.
//
//	langid train [flags] [-bible FILE]... FILE...
//	langid eval [-model FILE] [-samples FILE]... [FILE]...
//	langid detect [-model FILE] [-among en,es] < lines
//
// train counts character n-grams in both sides of parallel corpora and
// writes the model (nmt/langid/profiles.tsv) and a held-out test set of
// texts it was not trained on (nmt/langid/testdata/heldout.tsv). Every
// FILE is named NAME.XX-YY.tsv or .tsv.gz and has the text of languages XX
// and YY in its last two columns; a -bible file is the verse-aligned Bible
// (ref, book, XX, YY), of which only the train books are read.
//
// eval prints a Markdown table of accuracy by length against the stopword
// heuristic of nmt/corpus, on pair files (English<TAB>Spanish, languages
// from the name as above) and on -samples files (language<TAB>text).
//
// detect prints the guesses for every line of standard input.
//
// See docs/langid.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = "usage: langid train|eval|detect [flags] [FILE]... (see docs/langid.md)"

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "train":
		err = train(args[1:], stdout, stderr)
	case "eval":
		err = eval(args[1:], stdout, stderr)
	case "detect":
		err = detect(args[1:], stdin, stdout, stderr)
	default:
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if err == errUsage {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "langid %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// newFlags returns the flag set of a subcommand, which reports to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("langid "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
