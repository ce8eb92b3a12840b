package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// POST /export writes an alignment the page holds in one of package
// align's export formats, so that the files are the ones translate-cli
// writes. The body is an exportRequest; the answer is the file, as an
// attachment named alignment.<extension>.

// exportRequest is the body of POST /export.
type exportRequest struct {
	// Format is an align format: json, pharaoh, csv, tsv, svg, png, html.
	Format string `json:"format"`
	// Level is word (the default) or subword, for csv, tsv, svg and png.
	Level string `json:"level"`
	// Symmetrization draws the links from the word matrix, by package
	// align's names ("grow-diag-final-and", the default; "union", ...).
	Symmetrization string `json:"symmetrization"`
	// Heads names the heads the rows came from, for the files' method
	// field ("avg" when empty).
	Heads string `json:"heads"`
	// Title heads the HTML page.
	Title string `json:"title"`
	// SourceText is the text the sentences' source spans index.
	SourceText string `json:"sourceText"`
	// Alignment holds the sentence pairs: an AlignResponse in the API's
	// JSON, its tokens with their alignment rows (a translation's best
	// hypotheses are put in this form by the page).
	Alignment json.RawMessage `json:"alignment"`
}

// exportTypes are the media types of the formats' files.
var exportTypes = map[align.Format]string{
	align.FormatJSON:    "application/json",
	align.FormatPharaoh: "text/plain; charset=utf-8",
	align.FormatCSV:     "text/csv; charset=utf-8",
	align.FormatTSV:     "text/tab-separated-values; charset=utf-8",
	align.FormatSVG:     "image/svg+xml",
	align.FormatPNG:     "image/png",
	align.FormatHTML:    "text/html; charset=utf-8",
}

func serveExport(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeLibreError(w, bodyError(err))
		return
	}
	format, pairs, opt, err := parseExport(body)
	if err != nil {
		writeLibreError(w, badRequest("%v", err))
		return
	}
	var buf bytes.Buffer
	if err := align.Write(&buf, format, pairs, opt); err != nil {
		writeLibreError(w, badRequest("%v", err))
		return
	}
	w.Header().Set("Content-Type", exportTypes[format])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="alignment%s"`, format.Extension()))
	_, _ = w.Write(buf.Bytes())
}

// parseExport reads an export request into the format, the sentence
// pairs and the export options.
func parseExport(body []byte) (align.Format, []*align.Alignment, align.ExportOptions, error) {
	var req exportRequest
	var opt align.ExportOptions
	if err := json.Unmarshal(body, &req); err != nil {
		return "", nil, opt, fmt.Errorf("invalid JSON: %v", err)
	}
	format, err := align.ParseFormat(req.Format)
	if err != nil {
		return "", nil, opt, err
	}
	if req.Level != "" {
		if opt.Level, err = align.ParseLevel(req.Level); err != nil {
			return "", nil, opt, err
		}
	}
	sym := align.GrowDiagFinalAnd
	if req.Symmetrization != "" {
		if sym, err = align.ParseSymmetrization(req.Symmetrization); err != nil {
			return "", nil, opt, err
		}
	}
	if req.Heads == "" {
		req.Heads = "avg"
	}
	opt.Title = req.Title
	var resp translatev1.AlignResponse
	if err := protojson.Unmarshal(req.Alignment, &resp); err != nil {
		return "", nil, opt, fmt.Errorf("alignment: %v", err)
	}
	if len(resp.GetSentences()) == 0 {
		return "", nil, opt, fmt.Errorf("alignment: no sentence to export")
	}
	pairs := make([]*align.Alignment, len(resp.GetSentences()))
	budget := maxExportCells
	for k, s := range resp.GetSentences() {
		if pairs[k], err = sentencePair(req.SourceText, s, sym, &budget); err != nil {
			return "", nil, opt, fmt.Errorf("alignment: sentence %d: %v", k, err)
		}
		pairs[k].ID, pairs[k].Method = fmt.Sprint(k+1), "attention "+req.Heads
	}
	return format, pairs, opt, nil
}

// maxExportCells bounds the cells of all the matrices of one export,
// subword and word: far more than a page shows, and little memory.
const maxExportCells = 1 << 18

// spend takes rows × cols cells from budget, or fails when they are more
// than it has left.
func spend(budget *int, rows, cols int, what string) error {
	if rows > 0 && cols > *budget/rows {
		return fmt.Errorf("%d × %d %s are more than an export holds (%d cells in all)", rows, cols, what, maxExportCells)
	}
	*budget -= rows * cols
	return nil
}

// sentencePair rebuilds package align's form of one sentence pair from
// the API's: both texts with their tokens and words, the subword matrix
// of the tokens' rows, the word matrix and the links drawn with sym. Its
// matrices are taken from budget.
func sentencePair(source string, s *translatev1.AlignedSentence, sym align.Symmetrization, budget *int) (*align.Alignment, error) {
	start, end := int(s.GetSourceSpan().GetByteStart()), int(s.GetSourceSpan().GetByteEnd())
	if !utf8.ValidString(source) || start > end || end > len(source) {
		return nil, fmt.Errorf("source span [%d,%d) outside the %d-byte source text", start, end, len(source))
	}
	srcToks := make([]align.Token, len(s.GetSourceTokens()))
	for i, t := range s.GetSourceTokens() {
		ts, te := int(t.GetSpan().GetByteStart())-start, int(t.GetSpan().GetByteEnd())-start
		srcToks[i] = align.Token{ID: int(t.GetId()), Piece: t.GetPiece(), Start: ts, End: te}
	}
	src, err := align.NewText(source[start:end], srcToks)
	if err != nil {
		return nil, err
	}
	tgtToks := make([]align.Token, len(s.GetTargetTokens()))
	if err := spend(budget, len(tgtToks), len(srcToks), "tokens"); err != nil {
		return nil, err
	}
	sub := align.NewMatrix(len(tgtToks), len(srcToks))
	eos := make([]float32, len(tgtToks))
	logProbs := make([]float32, len(tgtToks))
	for i, t := range s.GetTargetTokens() {
		tgtToks[i] = align.Token{ID: int(t.GetId()), Piece: t.GetPiece(), Start: int(t.GetSpan().GetByteStart()), End: int(t.GetSpan().GetByteEnd())}
		if len(t.GetAlignment()) != len(srcToks) {
			return nil, fmt.Errorf("target token %d has %d alignment weights for %d source tokens (ask for alignment)", i, len(t.GetAlignment()), len(srcToks))
		}
		copy(sub.Row(i), t.GetAlignment())
		eos[i], logProbs[i] = t.GetSourceEosWeight(), t.GetLogProb()
	}
	tgt, err := align.NewText(s.GetTargetText(), tgtToks)
	if err != nil {
		return nil, err
	}
	if err := spend(budget, len(tgt.Words), len(src.Words), "words"); err != nil {
		return nil, err
	}
	a := &align.Alignment{Source: src, Target: tgt, Subword: &sub, SourceEOS: eos, Score: s.GetLogProb(), TokenLogProbs: logProbs}
	a.Word = align.WordMatrix(sub, src, tgt)
	a.Links = align.HardLinks(a.Word, sym)
	return a, nil
}
