package tokenize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// WriteJSON writes the vocabulary as a Hugging Face tokenizer.json: an NFC
// normalizer, the ByteLevel pre-tokenizer and decoder with add_prefix_space
// true, a BPE model (vocab in id order, merges as "left right" strings in
// rank order) and the special tokens as added tokens marked special. Both
// github.com/sugarme/tokenizer (pretrained.FromFile) and Python's
// tokenizers (Tokenizer.from_file) read this layout. The file is written to
// a temporary name and renamed, so a reader never sees half a file.
func (b *BPE) WriteJSON(path string) error {
	data, err := b.JSON()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokenizer-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// JSON returns the tokenizer.json bytes that WriteJSON writes.
func (b *BPE) JSON() ([]byte, error) {
	if len(b.Vocab) < firstByteID+256 {
		return nil, fmt.Errorf("tokenize: a BPE vocabulary needs at least 259 pieces, has %d", len(b.Vocab))
	}
	if err := b.validatePieces(); err != nil {
		return nil, err
	}
	var w bytes.Buffer
	w.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n")
	w.WriteString("  \"added_tokens\": [")
	for id, s := range SpecialTokens {
		if id > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(&w, "\n    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, "+
			"\"rstrip\": false, \"normalized\": false, \"special\": true}", id, quoteJSON(s))
	}
	w.WriteString("\n  ],\n")
	w.WriteString("  \"normalizer\": {\"type\": \"NFC\"},\n")
	const byteLevel = `{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}`
	w.WriteString("  \"pre_tokenizer\": " + byteLevel + ",\n")
	w.WriteString("  \"post_processor\": null,\n")
	w.WriteString("  \"decoder\": " + byteLevel + ",\n")
	w.WriteString("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n" +
		"    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n" +
		"    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n")
	w.WriteString("    \"vocab\": {")
	for id, p := range b.Vocab {
		if id > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(&w, "\n      %s: %d", quoteJSON(p), id)
	}
	w.WriteString("\n    },\n    \"merges\": [")
	for i, m := range b.Merges {
		if i > 0 {
			w.WriteString(",")
		}
		w.WriteString("\n      " + quoteJSON(m[0]+" "+m[1]))
	}
	w.WriteString("\n    ]\n  }\n}\n")
	return w.Bytes(), nil
}

// quoteJSON returns s as a JSON string literal, leaving <, > and & as they
// are (encoding/json's default would write them as \u003c and so on).
func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // a Go string always encodes
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
