package train

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/translated/translated/nmt/align"
	"github.com/translated/translated/nmt/safetensors"
)

// Files of the guided-alignment link cache in a run directory.
const (
	GuideLinksFile  = "guided-links.gz"   // token links, Pharaoh "i-j" (source-target positions), one line per training pair
	GuideRecipeFile = "guided-links.json" // how they were made (guideRecipe)
)

// GuideLinkOptions say where a run's guided-alignment links come from.
type GuideLinkOptions struct {
	// Gold are files of human word links in the format of
	// links.kjv-es.jsonl.gz (JSON lines, gzip-compressed or plain; see
	// align.ParseGold).
	Gold []string
	// HeldOutBooks are never read from the gold files (the test and dev
	// books).
	HeldOutBooks []string
	// IBM1 is the symmetrization of IBM Model 1 links trained on the
	// training pairs ("intersection", "grow-diag", ...); "" = no IBM1.
	IBM1 string
	// IBM1Iterations of EM; default align.IBM1Iterations.
	IBM1Iterations int
}

// guideRecipe is written as guided-links.json beside the cached links.
type guideRecipe struct {
	Version        int            `json:"version"`
	Fingerprint    string         `json:"fingerprint"` // FNV-64a of the training pairs' token ids
	Gold           []goldFile     `json:"gold"`
	HeldOutBooks   []string       `json:"held_out_books"`
	IBM1           string         `json:"ibm1,omitempty"`
	IBM1Iterations int            `json:"ibm1_iterations,omitempty"`
	Stats          GuideLinkStats `json:"stats"`
}

type goldFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// sameRecipe reports whether two recipes make the same links (paths may
// differ; the contents may not).
func (r guideRecipe) sameRecipe(o guideRecipe) bool {
	hashes := func(gs []goldFile) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.SHA256)
		}
		return out
	}
	books := func(b []string) []string { b = slices.Clone(b); slices.Sort(b); return b }
	return r.Version == o.Version && r.Fingerprint == o.Fingerprint && slices.Equal(hashes(r.Gold), hashes(o.Gold)) &&
		slices.Equal(books(r.HeldOutBooks), books(o.HeldOutBooks)) && r.IBM1 == o.IBM1 && r.IBM1Iterations == o.IBM1Iterations
}

// pairsFingerprint hashes the token ids of the training pairs.
func pairsFingerprint(pairs []Pair) string {
	h := fnv.New64a()
	var buf [4]byte
	put := func(v int32) {
		binary.LittleEndian.PutUint32(buf[:], uint32(v))
		h.Write(buf[:])
	}
	for _, p := range pairs {
		for _, side := range [][]int32{p.Src, p.Tgt} {
			put(int32(len(side)))
			for _, id := range side {
				put(id)
			}
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// LoadGuideLinks returns the token links of the training pairs for
// SetGuide. The first call in a run directory computes them (reading the
// gold files, training IBM Model 1 on ex) and caches them in dir as
// guided-links.gz with their recipe in guided-links.json; later calls
// (a resumed run) read the cache, after checking that it was made from
// the same pairs, gold files and options. Progress lines go to log (may
// be nil).
func LoadGuideLinks(dir string, o GuideLinkOptions, ex []Example, pairs []Pair, encode SpanEncoder, log io.Writer) ([][]align.Link, GuideLinkStats, error) {
	if log == nil {
		log = io.Discard
	}
	if len(o.Gold) == 0 && o.IBM1 == "" {
		return nil, GuideLinkStats{}, errors.New("train: guided alignment needs gold link files or IBM Model 1 links")
	}
	method := align.Symmetrization(0)
	if o.IBM1 != "" {
		var err error
		if method, err = align.ParseSymmetrization(o.IBM1); err != nil {
			return nil, GuideLinkStats{}, fmt.Errorf("train: %w", err)
		}
		if o.IBM1Iterations <= 0 {
			o.IBM1Iterations = align.IBM1Iterations
		}
	} else {
		o.IBM1Iterations = 0
	}
	recipe := guideRecipe{Version: 1, Fingerprint: pairsFingerprint(pairs), HeldOutBooks: slices.Clone(o.HeldOutBooks),
		IBM1: o.IBM1, IBM1Iterations: o.IBM1Iterations}
	if recipe.HeldOutBooks == nil {
		recipe.HeldOutBooks = []string{}
	}
	for _, path := range o.Gold {
		sum, err := fileSHA256(path)
		if err != nil {
			return nil, GuideLinkStats{}, fmt.Errorf("train: gold links: %w", err)
		}
		recipe.Gold = append(recipe.Gold, goldFile{Path: path, SHA256: sum})
	}

	if links, st, err := readGuideCache(dir, recipe, len(pairs)); err == nil {
		fmt.Fprintf(log, "guided links read from %s: %s\n", filepath.Join(dir, GuideLinksFile), st)
		return links, st, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, GuideLinkStats{}, err
	}

	wl := &WordLinker{IBM1Method: method}
	for _, path := range o.Gold {
		gold, err := readGoldFile(path, o.HeldOutBooks)
		if err != nil {
			return nil, GuideLinkStats{}, err
		}
		fmt.Fprintf(log, "%s: %d verses outside the held-out books\n", path, len(gold))
		wl.Gold = append(wl.Gold, gold...)
	}
	if o.IBM1 != "" {
		start := time.Now()
		words := make([][2][]string, len(ex))
		for k, e := range ex {
			words[k] = [2][]string{align.IBM1Words(e.Source), align.IBM1Words(e.Target)}
		}
		wl.IBM1 = align.TrainIBM1(words, o.IBM1Iterations)
		fmt.Fprintf(log, "IBM Model 1 trained on %d pairs (%d EM iterations) in %.1fs\n", len(ex), o.IBM1Iterations, time.Since(start).Seconds())
	}
	links, st, err := BuildGuideLinks(ex, pairs, encode, wl)
	if err != nil {
		return nil, st, err
	}
	recipe.Stats = st
	if err := writeGuideCache(dir, recipe, links); err != nil {
		return nil, st, fmt.Errorf("train: caching the guided links: %w", err)
	}
	fmt.Fprintf(log, "guided links computed and cached in %s: %s\n", filepath.Join(dir, GuideLinksFile), st)
	return links, st, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readGoldFile reads the verses of a gold links file, gzip-compressed or
// plain, leaving out the held-out books.
func readGoldFile(path string, heldOut []string) ([]align.GoldPair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: gold links: %w", err)
	}
	defer f.Close()
	var out []align.GoldPair
	err = align.ReadGold(f, func(g align.GoldPair) error {
		if !slices.Contains(heldOut, align.RefBook(g.Ref)) {
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", path, err)
	}
	return out, nil
}

// readGuideCache reads the cached links when their recipe matches; an
// fs.ErrNotExist error means there is no cache.
func readGuideCache(dir string, want guideRecipe, nPairs int) ([][]align.Link, GuideLinkStats, error) {
	b, err := os.ReadFile(filepath.Join(dir, GuideRecipeFile))
	if err != nil {
		return nil, GuideLinkStats{}, err
	}
	var have guideRecipe
	if err := json.Unmarshal(b, &have); err != nil {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %s: %w", GuideRecipeFile, err)
	}
	if !have.sameRecipe(want) {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %s holds guided links made from other pairs or sources (%s); remove %s and %s to recompute them, or choose another --run",
			dir, GuideRecipeFile, GuideRecipeFile, GuideLinksFile)
	}
	f, err := os.Open(filepath.Join(dir, GuideLinksFile))
	if err != nil {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %s: %w", GuideLinksFile, err)
	}
	links, err := align.ReadPharaoh(z)
	if err != nil {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %s: %w", GuideLinksFile, err)
	}
	if len(links) != nPairs {
		return nil, GuideLinkStats{}, fmt.Errorf("train: %s has %d lines for %d training pairs", GuideLinksFile, len(links), nPairs)
	}
	return links, have.Stats, nil
}

// writeGuideCache writes the links, then the recipe that marks them complete.
func writeGuideCache(dir string, recipe guideRecipe, links [][]align.Link) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	bw := bufio.NewWriter(z)
	for _, ls := range links {
		bw.WriteString(align.PharaohString(ls))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := z.Close(); err != nil {
		return err
	}
	if err := safetensors.WriteAtomic(filepath.Join(dir, GuideLinksFile), buf.Bytes()); err != nil {
		return err
	}
	b, err := json.MarshalIndent(recipe, "", "  ")
	if err != nil {
		return err
	}
	return safetensors.WriteAtomic(filepath.Join(dir, GuideRecipeFile), append(b, '\n'))
}
