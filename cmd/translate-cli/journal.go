package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// A journal records how far a translation of --input into --output got,
// so that the same command run again after an interruption (Ctrl-C, a
// crash, SIGKILL, a lost machine) continues where it stopped: no line
// committed is translated again, none is lost. It is a text file beside
// the output, OUTPUT.progress:
//
//	translate-cli journal 1
//	input <bytes> <sha256 of the input>
//	settings <sha256 of the flags that shape the output>
//	<lines> <bytes> <refused>
//	<lines> <bytes> <refused>
//	...
//
// Each record gives, in total so far, the input lines whose output is in
// the output file, the output's length in bytes, and how many of those
// lines the server refused. The output is written and synced before the
// record that counts it is appended and synced, so the last whole record
// never claims more than the output holds; bytes past it (written before
// a crash, not yet recorded) are cut off on resuming. A last record cut
// short by a crash has no newline and is ignored. The journal is removed
// once the output is complete.

// journalMagic is the journal's first line; the number is its version.
const journalMagic = "translate-cli journal 1"

// journalSuffix names the journal after the output.
const journalSuffix = ".progress"

// committed says how much of the output is done.
type committed struct {
	lines, bytes, refused int64
}

// journalHeader identifies the run a journal belongs to.
type journalHeader struct {
	inputSize int64
	inputSum  string // hex SHA-256 of the input
	settings  string // hex SHA-256 of the settings
}

func (h journalHeader) String() string {
	return fmt.Sprintf("%s\ninput %d %s\nsettings %s\n", journalMagic, h.inputSize, h.inputSum, h.settings)
}

// parseJournal reads a journal: its header and the last whole record
// (zero when there is none).
func parseJournal(data []byte) (journalHeader, committed, error) {
	var h journalHeader
	var c committed
	lines := strings.Split(string(data), "\n")
	// The text after the last newline is a record cut short, or nothing.
	lines = lines[:len(lines)-1]
	if len(lines) < 3 || lines[0] != journalMagic {
		return h, c, errors.New("not a translate-cli journal")
	}
	in := strings.Split(lines[1], " ")
	if len(in) != 3 || in[0] != "input" || !isSHA256(in[2]) {
		return h, c, fmt.Errorf("journal line 2: bad input line %q", lines[1])
	}
	size, err := strconv.ParseInt(in[1], 10, 64)
	if err != nil || size < 0 {
		return h, c, fmt.Errorf("journal line 2: bad input line %q", lines[1])
	}
	set, ok := strings.CutPrefix(lines[2], "settings ")
	if !ok || !isSHA256(set) {
		return h, c, fmt.Errorf("journal line 3: bad settings line %q", lines[2])
	}
	h = journalHeader{inputSize: size, inputSum: in[2], settings: set}
	for i, l := range lines[3:] {
		next, err := parseRecord(l)
		if err != nil || next.lines < c.lines || next.bytes < c.bytes || next.refused < c.refused || next.refused > next.lines {
			return h, c, fmt.Errorf("journal line %d: bad record %q", i+4, l)
		}
		c = next
	}
	return h, c, nil
}

// parseRecord reads "<lines> <bytes> <refused>".
func parseRecord(l string) (committed, error) {
	f := strings.Split(l, " ")
	if len(f) != 3 {
		return committed{}, errors.New("want three numbers")
	}
	var n [3]int64
	for i, s := range f {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return committed{}, errors.New("not a count")
		}
		n[i] = v
	}
	return committed{lines: n[0], bytes: n[1], refused: n[2]}, nil
}

func isSHA256(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size && strings.ToLower(s) == s
}

// journal is an open journal and the output it counts, both appended to.
type journal struct {
	path string
	f    *os.File // the journal
	out  *os.File // the output
	done committed
}

// openJournal opens the output and its journal. With no journal it
// starts afresh: a new journal, then an empty output (truncating any
// file there). With a journal of the same header it resumes: the output
// is cut to the length the journal records. A journal of another input
// or other settings is refused, as is an output shorter than its
// journal says.
func openJournal(output string, h journalHeader) (*journal, bool, error) {
	path := output + journalSuffix
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		j, err := createJournal(output, path, h)
		return j, false, err
	}
	if err != nil {
		return nil, false, err
	}
	old, done, err := parseJournal(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w; remove it to start over", path, err)
	}
	switch {
	case old.inputSize != h.inputSize || old.inputSum != h.inputSum:
		return nil, false, fmt.Errorf("the input changed since the run that %s records (%d bytes then, %d now); restore it, or remove %s to start over", path, old.inputSize, h.inputSize, path)
	case old.settings != h.settings:
		return nil, false, fmt.Errorf("the flags that shape the output (model, languages, decoding, --format, --batch) differ from the run that %s records; repeat them, or remove %s to start over", path, path)
	}
	out, err := os.OpenFile(output, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := cutTo(out, done.bytes); err != nil {
		out.Close()
		return nil, false, fmt.Errorf("%s: %w; remove %s to start over", output, err, path)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		out.Close()
		return nil, false, err
	}
	return &journal{path: path, f: f, out: out, done: done}, true, nil
}

// cutTo truncates f to n bytes, which it must hold, and moves to its end.
func cutTo(f *os.File, n int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() < n {
		return fmt.Errorf("holds %d bytes, fewer than the %d its journal records", st.Size(), n)
	}
	if err := f.Truncate(n); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	_, err = f.Seek(n, io.SeekStart)
	return err
}

// createJournal writes the header to a temporary file renamed into
// place, so that a journal always has its whole header, then creates the
// empty output.
func createJournal(output, path string, h journalHeader) (*journal, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.WriteString(h.String()); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	out, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		out.Close()
		return nil, err
	}
	if err := syncDir(dir); err != nil {
		out.Close()
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		out.Close()
		return nil, err
	}
	return &journal{path: path, f: f, out: out}, nil
}

// commit appends data, the output of lines more input lines of which
// refused were refused, to the output, syncs it, then records it.
func (j *journal) commit(data []byte, lines, refused int64) error {
	if _, err := j.out.Write(data); err != nil {
		return err
	}
	if err := j.out.Sync(); err != nil {
		return err
	}
	next := committed{lines: j.done.lines + lines, bytes: j.done.bytes + int64(len(data)), refused: j.done.refused + refused}
	if _, err := fmt.Fprintf(j.f, "%d %d %d\n", next.lines, next.bytes, next.refused); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.done = next
	return nil
}

// finish closes the complete output and removes the journal.
func (j *journal) finish() error {
	errOut := j.out.Close()
	j.f.Close()
	if errOut != nil {
		return errOut
	}
	if err := os.Remove(j.path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(j.path))
}

// close leaves the journal for a later run to resume from.
func (j *journal) close() {
	j.out.Close()
	j.f.Close()
}

// syncDir makes a directory's entries (a file created, renamed or
// removed) durable. On Windows, where a directory cannot be flushed, it
// does nothing: the entries are as durable as the file system makes them.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// fingerprint reads the input once: its size, SHA-256 and line count
// (a last line without a newline counts).
func fingerprint(path string) (size int64, sum string, lines int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	r := bufio.NewReaderSize(f, 1<<20)
	buf := make([]byte, 1<<20)
	var last byte = '\n'
	for {
		n, err := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			size += int64(n)
			lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
			last = buf[n-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, "", 0, err
		}
	}
	if last != '\n' {
		lines++
	}
	return size, hex.EncodeToString(h.Sum(nil)), lines, nil
}
