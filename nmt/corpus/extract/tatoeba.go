package extract

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// TatoebaPairs reads the manythings.org export of Tatoeba (spa.txt inside
// spa-eng.zip): one pair a line, English<TAB>Spanish, and in later exports
// a third column of attribution, which is dropped.
func TatoebaPairs(r io.Reader) ([]Pair, error) {
	var out []Pair
	err := EachLine(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			return fmt.Errorf("line %d: %d column, want English<TAB>Spanish", n, len(f))
		}
		out = append(out, Pair{En: strings.TrimSpace(f[0]), Es: strings.TrimSpace(f[1])})
		return nil
	})
	return out, err
}

// EachLine calls fn with every non-blank line of r (CRLF or LF, up to 16
// MiB long), numbered from 1, and stops at fn's first error.
func EachLine(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("line %d is longer than 16 MiB", n+1)
	} else if err != nil {
		return fmt.Errorf("line %d: %w", n+1, err)
	}
	return nil
}
