package server

import (
	"github.com/translated/translated/nmt/align"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// alignRequest is what a request says about its alignment, the same for
// TranslateRequest and AlignRequest.
type alignRequest interface {
	GetAlignment() translatev1.AlignmentMode
	GetIncludeLogProbs() bool
	GetAlignmentHeads() string
	GetSymmetrization() translatev1.Symmetrization
}

// symmetrizations maps the API's symmetrizations to package align's;
// UNSPECIFIED is the server's default.
var symmetrizations = map[translatev1.Symmetrization]align.Symmetrization{
	translatev1.Symmetrization_SYMMETRIZATION_UNSPECIFIED:         align.GrowDiagFinalAnd,
	translatev1.Symmetrization_SYMMETRIZATION_INTERSECTION:        align.Intersection,
	translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG:           align.GrowDiag,
	translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG_FINAL:     align.GrowDiagFinal,
	translatev1.Symmetrization_SYMMETRIZATION_GROW_DIAG_FINAL_AND: align.GrowDiagFinalAnd,
	translatev1.Symmetrization_SYMMETRIZATION_UNION:               align.Union,
}

// newConverter checks the alignment fields of r for model m and returns
// the converter of its results: the request's heads (alignment_heads,
// else the model's) and symmetrization (else grow-diag-final-and).
func newConverter(r alignRequest, m *model) (converter, error) {
	c := converter{mode: resolveMode(r.GetAlignment()), logProbs: r.GetIncludeLogProbs(), selector: m.selector}
	sym, ok := symmetrizations[r.GetSymmetrization()]
	if !ok {
		return converter{}, invalidf("symmetrization", "unknown symmetrization %d", int32(r.GetSymmetrization()))
	}
	c.sym = sym
	if r.GetAlignmentHeads() == "" {
		return c, nil
	}
	sel, err := align.ParseSelector(r.GetAlignmentHeads())
	if err != nil {
		return converter{}, invalidf("alignment_heads", "%v", err)
	}
	if err := sel.Validate(int(m.info.GetDecoderLayers()), int(m.info.GetAttentionHeads())); err != nil {
		return converter{}, invalidf("alignment_heads", "%v (model %s has %d decoder layers of %d heads)",
			err, m.name, m.info.GetDecoderLayers(), m.info.GetAttentionHeads())
	}
	c.selector = sel
	return c, nil
}
