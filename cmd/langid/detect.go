package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// detect prints, for every line of standard input, the guesses of the
// identifier: "es 0.9731 en 0.0269", or "-" when the line has no letter.
func detect(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("detect", stderr)
	modelPath := fs.String("model", "", "a model `file` to use instead of the shipped one")
	among := fs.String("among", "", "comma-separated candidate languages (default: all of the model's)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	id, err := identifier(*modelPath)
	if err != nil {
		return err
	}
	var candidates []string
	for _, c := range strings.Split(*among, ",") {
		if c == "" {
			continue
		}
		if !id.Knows(c) {
			return fmt.Errorf("the model has no language %q (it has %s)", c, strings.Join(id.Languages(), ", "))
		}
		candidates = append(candidates, c)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for sc.Scan() {
		guesses := id.Detect(sc.Text(), candidates...)
		if len(guesses) == 0 {
			fmt.Fprintln(w, "-")
			continue
		}
		for i, g := range guesses {
			if i > 0 {
				w.WriteByte(' ')
			}
			fmt.Fprintf(w, "%s %.4f", g.Lang, g.Confidence)
		}
		w.WriteByte('\n')
	}
	return sc.Err()
}
