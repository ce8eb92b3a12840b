package align

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
)

// writeTable writes each pair's matrix as a table: a header row holding the
// pair's label (its ID, or "target\source" when it has none) and the source
// labels, then one row per target label with its weights to four decimals.
// Tables of consecutive pairs are separated by an empty line. Fields are
// quoted as RFC 4180 requires (a field holding the separator, a quote or a
// line break is put in double quotes, inner quotes doubled), also for tabs.
func writeTable(w io.Writer, pairs []*Alignment, sep rune, level Level) error {
	bw := bufio.NewWriter(w)
	for k, a := range pairs {
		if k > 0 {
			bw.WriteString("\n")
		}
		v := viewOf(a, level)
		cw := csv.NewWriter(bw)
		cw.Comma = sep
		label := v.id
		if label == "" {
			label = `target\source`
		}
		cw.Write(append([]string{label}, v.cols...))
		for r, name := range v.rows {
			rec := make([]string, 0, v.m.Cols+1)
			rec = append(rec, name)
			for _, x := range v.m.Row(r) {
				rec = append(rec, strconv.FormatFloat(float64(x), 'f', 4, 32))
			}
			cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	}
	return bw.Flush()
}
