package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testHeader = journalHeader{inputSize: 1867, inputSum: strings.Repeat("ab", 32), settings: strings.Repeat("0f", 32)}

func TestParseJournal(t *testing.T) {
	head := testHeader.String()
	for _, c := range []struct {
		name, data string
		want       committed
		err        string
	}{
		{"no record", head, committed{}, ""},
		{"records", head + "2 10 0\n4 20 1\n", committed{4, 20, 1}, ""},
		{"a last record cut short", head + "2 10 0\n4 2", committed{2, 10, 0}, ""},
		{"empty", "", committed{}, "not a translate-cli journal"},
		{"another file", "hello\nworld\nagain\n", committed{}, "not a translate-cli journal"},
		{"a header cut short", head[:len(head)-5], committed{}, "not a translate-cli journal"},
		{"another version", strings.Replace(head, "journal 1", "journal 2", 1), committed{}, "not a translate-cli journal"},
		{"a short sum", strings.Replace(head, "abab", "ab", 1), committed{}, "line 2"},
		{"an upper-case sum", strings.Replace(head, "ab", "AB", 1), committed{}, "line 2"},
		{"a negative size", strings.Replace(head, "1867", "-1", 1), committed{}, "line 2"},
		{"no settings", strings.Replace(head, "settings ", "setting ", 1), committed{}, "line 3"},
		{"going back", head + "4 20 0\n2 10 0\n", committed{}, "line 5"},
		{"more refused than lines", head + "1 5 2\n", committed{}, "line 4"},
		{"two numbers", head + "1 5\n", committed{}, "line 4"},
		{"a word", head + "1 five 0\n", committed{}, "line 4"},
		{"a blank line", head + "\n", committed{}, "line 4"},
		{"spaces", head + "1  5 0\n", committed{}, "line 4"},
	} {
		h, got, err := parseJournal([]byte(c.data))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want an error naming %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want || h != testHeader {
			t.Errorf("%s: %+v %+v %v, want %+v", c.name, h, got, err, c.want)
		}
	}
}

func FuzzParseJournal(f *testing.F) {
	head := testHeader.String()
	for _, s := range []string{head, head + "2 10 0\n4 20 1\n", head + "1 2", "", "\n\n\n", head + "9223372036854775807 1 0\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, c, err := parseJournal(data)
		if err != nil {
			return
		}
		if c.lines < 0 || c.bytes < 0 || c.refused < 0 || c.refused > c.lines || h.inputSize < 0 {
			t.Fatalf("%q: %+v %+v", data, h, c)
		}
		// A header read back writes the same header.
		if _, _, err := parseJournal([]byte(h.String())); err != nil {
			t.Fatalf("%q: the header read does not read back: %v", data, err)
		}
	})
}

// TestJournalCommit writes records, reopens the journal as a second run
// would and finishes it.
func TestJournalCommit(t *testing.T) {
	dir := t.TempDir()
	output := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(output, []byte("an older file"), 0o644); err != nil {
		t.Fatal(err)
	}
	j, resumed, err := openJournal(output, testHeader)
	if err != nil || resumed {
		t.Fatalf("a first run: resumed %v, %v", resumed, err)
	}
	for _, s := range []string{"uno\ndos\n", "\ntres\n"} {
		if err := j.commit([]byte(s), 2, 0); err != nil {
			t.Fatal(err)
		}
	}
	j.close()
	j, resumed, err = openJournal(output, testHeader)
	if err != nil || !resumed || j.done != (committed{4, 14, 0}) {
		t.Fatalf("a second run: resumed %v, %+v, %v", resumed, j, err)
	}
	if err := j.commit([]byte("cuatro\n"), 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := j.finish(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(output)
	if string(got) != "uno\ndos\n\ntres\ncuatro\n" {
		t.Errorf("output %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left in the directory: %v", entries)
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		data  string
		lines int64
	}{{"", 0}, {"a", 1}, {"a\n", 1}, {"a\n\n", 2}, {"a\r\nb", 2}, {"\n", 1}} {
		p := filepath.Join(dir, "in")
		if err := os.WriteFile(p, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		size, sum, lines, err := fingerprint(p)
		if err != nil || size != int64(len(c.data)) || !isSHA256(sum) || lines != c.lines {
			t.Errorf("%q: %d bytes, %s, %d lines, %v; want %d lines", c.data, size, sum, lines, err, c.lines)
		}
	}
}

// TestProgressLine checks the words of the progress line; its numbers
// depend on the clock, so only their presence is checked.
func TestProgressLine(t *testing.T) {
	var b strings.Builder
	p := newProgress(&lockedWriter{w: &b}, 1000, 100)
	if p.live {
		t.Fatal("a strings.Builder taken for a terminal")
	}
	if got := p.line(); got != "100/1000 lines (10%)" {
		t.Errorf("before any line: %q", got)
	}
	p.set(250)
	time.Sleep(time.Millisecond) // let the clock move on a coarse timer
	if got := p.line(); !strings.HasPrefix(got, "250/1000 lines (25%), ") || !strings.Contains(got, " lines/s, ") || !strings.HasSuffix(got, " left") {
		t.Errorf("after 150 lines: %q", got)
	}
	p.stop()
	p.summary("out.txt")
	if !strings.Contains(b.String(), "150 lines into out.txt in ") || !strings.Contains(b.String(), " lines/s)") {
		t.Errorf("summary: %q", b.String())
	}
}
