package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt/langid"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// libre serves the LibreTranslate API: POST /translate, GET /languages,
// POST /detect and GET /frontend/settings. Requests, answers and errors
// ({"error": "..."} with 400, 403, 429 or 500) have LibreTranslate's
// shape, so that its clients work unchanged; the translations are the
// TranslationService's, through the same client as the /v1 API.
type libre struct {
	client   translatev1.TranslationServiceClient
	mux      *runtime.ServeMux // for the metadata of outgoing calls
	id       *langid.Identifier
	maxTexts int // texts per Translate call when an HTML document is cut up
	maxChars int
}

// detection is LibreTranslate's guess of a text's language: confidence
// in percent.
type detection struct {
	Confidence float64 `json:"confidence"`
	Language   string  `json:"language"`
}

func (l *libre) translate(w http.ResponseWriter, r *http.Request) {
	req, err := parseLibreRequest(r)
	if err == nil && req.source == "" {
		err = errMissing("source")
	}
	if err == nil && req.target == "" {
		err = errMissing("target")
	}
	if err != nil {
		writeLibreError(w, err)
		return
	}
	ctx := l.outgoing(r, "Translate", req.apiKey)
	pairs, err := l.pairs(ctx)
	if err != nil {
		writeLibreError(w, err)
		return
	}
	sources, detected, err := l.sources(req, pairs)
	if err != nil {
		writeLibreError(w, err)
		return
	}
	out, alts, err := l.translateAll(ctx, req, sources)
	if err != nil {
		writeLibreError(w, err)
		return
	}
	resp := map[string]any{}
	pick := func(key string, list any, first any) {
		if req.batch {
			resp[key] = list
		} else {
			resp[key] = first
		}
	}
	pick("translatedText", out, out[0])
	if req.source == "auto" {
		pick("detectedLanguage", detected, detected[0])
	}
	if req.alternatives > 0 {
		pick("alternatives", alts, alts[0])
	}
	writeJSON(w, http.StatusOK, resp)
}

// sources checks the request's languages and returns the source language
// of every text: the request's, or with "auto" the one detected among the
// languages the server translates from (and the target, which needs no
// translation).
func (l *libre) sources(req libreRequest, pairs languagePairs) ([]string, []detection, error) {
	if !pairs.knows(req.target) {
		return nil, nil, badRequest("%s is not supported", req.target)
	}
	sources := make([]string, len(req.q))
	var detected []detection
	for i, text := range req.q {
		src := req.source
		if src == "auto" {
			if req.format == "html" {
				text = htmlText(text)
			}
			d := l.detectOne(text, pairs, req.target)
			detected = append(detected, d)
			src = d.Language
		} else if !pairs.knows(src) {
			return nil, nil, badRequest("%s is not supported", src)
		}
		if src != req.target && !slices.Contains(pairs.targets[src], req.target) {
			return nil, nil, badRequest("%s (%s) is not available as a target language from %s (%s)",
				languageName(req.target), req.target, languageName(src), src)
		}
		sources[i] = src
	}
	return sources, detected, nil
}

// detectOne guesses the language of text among the server's source
// languages and target. With nothing to go on (no letter, say) it takes a
// language that translates into target, with confidence 0.
func (l *libre) detectOne(text string, pairs languagePairs, target string) detection {
	candidates := append(pairs.sources(), target)
	if guesses := l.id.Detect(text, candidates...); len(guesses) > 0 {
		return detection{Confidence: percent(guesses[0].Confidence), Language: guesses[0].Lang}
	}
	for _, src := range pairs.sources() {
		if slices.Contains(pairs.targets[src], target) {
			return detection{Language: src}
		}
	}
	return detection{Language: target}
}

func percent(c float64) float64 { return math.Round(c*1000) / 10 }

// translateAll translates every text from its source language, one call
// per source language; a text already in the target language is its own
// translation. It returns the translations and, when asked for, the
// alternatives of each.
func (l *libre) translateAll(ctx context.Context, req libreRequest, sources []string) ([]string, [][]string, error) {
	out := make([]string, len(req.q))
	alts := make([][]string, len(req.q))
	var order []string
	for _, s := range sources {
		if !slices.Contains(order, s) {
			order = append(order, s)
		}
	}
	for _, src := range order {
		var idx []int
		var texts []string
		for i, s := range sources {
			if s == src {
				idx, texts = append(idx, i), append(texts, req.q[i])
			}
		}
		if src == req.target {
			for _, i := range idx {
				out[i], alts[i] = req.q[i], []string{}
			}
			continue
		}
		tr := l.translatePlain
		if req.format == "html" {
			tr = l.translateHTML
		}
		got, gotAlts, err := tr(ctx, src, req.target, texts, req.alternatives)
		if err != nil {
			return nil, nil, err
		}
		for k, i := range idx {
			out[i], alts[i] = got[k], gotAlts[k]
		}
	}
	return out, alts, nil
}

// translatePlain translates texts in one call, with n alternatives each.
func (l *libre) translatePlain(ctx context.Context, src, tgt string, texts []string, n int) ([]string, [][]string, error) {
	resp, err := l.client.Translate(ctx, &translatev1.TranslateRequest{SourceLanguageCode: src, TargetLanguageCode: tgt, Texts: texts,
		Options: &translatev1.DecodingOptions{NBest: uint32(n + 1)}})
	if err != nil {
		return nil, nil, err
	}
	out := make([]string, len(texts))
	alts := make([][]string, len(texts))
	for i, tr := range resp.GetTranslations() {
		out[i], alts[i] = tr.GetText(), alternatives(texts[i], tr, n)
	}
	return out, alts, nil
}

// alternatives returns up to n other translations of text: the k-th puts
// each sentence's k-th hypothesis (its best when it has fewer) between the
// source's own separators, as Translation.text joins the best ones.
func alternatives(text string, tr *translatev1.Translation, n int) []string {
	out := []string{}
	for k := 1; k <= n; k++ {
		var b strings.Builder
		prev, found := 0, false
		for _, s := range tr.GetSentences() {
			hs := s.GetHypotheses()
			start, end := int(s.GetSpan().GetByteStart()), int(s.GetSpan().GetByteEnd())
			if len(hs) == 0 || start < prev || end < start || end > len(text) {
				continue
			}
			found = found || k < len(hs)
			b.WriteString(text[prev:start])
			b.WriteString(hs[min(k, len(hs)-1)].GetText())
			prev = end
		}
		if !found {
			break
		}
		b.WriteString(text[prev:])
		out = append(out, b.String())
	}
	return out
}

func (l *libre) detect(w http.ResponseWriter, r *http.Request) {
	req, err := parseLibreRequest(r)
	if err != nil {
		writeLibreError(w, err)
		return
	}
	pairs, err := l.pairs(l.outgoing(r, "ListModels", req.apiKey))
	if err != nil {
		writeLibreError(w, err)
		return
	}
	candidates := pairs.sources()
	out := []detection{}
	for _, g := range l.id.Detect(strings.Join(req.q, "\n"), candidates...) {
		out = append(out, detection{Confidence: percent(g.Confidence), Language: g.Lang})
	}
	if len(out) == 0 { // nothing to go on: every candidate, none likelier
		for _, c := range candidates {
			out = append(out, detection{Language: c})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// libreLanguage is one entry of GET /languages.
type libreLanguage struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets"`
}

func (l *libre) languages(w http.ResponseWriter, r *http.Request) {
	pairs, err := l.pairs(l.outgoing(r, "ListModels", r.URL.Query().Get("api_key")))
	if err != nil {
		writeLibreError(w, err)
		return
	}
	out := []libreLanguage{}
	for _, code := range pairs.all() {
		targets := slices.Clone(pairs.targets[code])
		if targets == nil {
			targets = []string{}
		}
		out = append(out, libreLanguage{Code: code, Name: languageName(code), Targets: targets})
	}
	writeJSON(w, http.StatusOK, out)
}

// settings answers GET /frontend/settings, which LibreTranslate's own web
// page and some clients read.
func (l *libre) settings(w http.ResponseWriter, r *http.Request) {
	pairs, err := l.pairs(l.outgoing(r, "ListModels", r.URL.Query().Get("api_key")))
	if err != nil {
		writeLibreError(w, err)
		return
	}
	type lang struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	target := lang{}
	if srcs := pairs.sources(); len(srcs) > 0 {
		code := pairs.targets[srcs[0]][0]
		target = lang{code, languageName(code)}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"charLimit":            l.maxChars,
		"frontendTimeout":      500,
		"apiKeys":              false,
		"keyRequired":          false,
		"suggestions":          false,
		"filesTranslation":     false,
		"supportedFilesFormat": []string{},
		"language": map[string]lang{
			"source": {"auto", "Auto Detect"},
			"target": target,
		},
	})
}

// outgoing is the context of the calls a request makes: its metadata as
// the /v1 API forwards it (Authorization, X-Forwarded-For, ...), and an
// api_key as a bearer token when the request has no Authorization header.
func (l *libre) outgoing(r *http.Request, method, apiKey string) context.Context {
	ctx, err := runtime.AnnotateContext(r.Context(), l.mux, r, "/translate.v1.TranslationService/"+method)
	if err != nil { // a malformed grpc-timeout header: go on without the metadata
		ctx = r.Context()
	}
	if apiKey != "" && r.Header.Get("Authorization") == "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+apiKey)
	}
	return ctx
}

// languagePairs are the pairs the server translates, from ListModels.
type languagePairs struct {
	targets map[string][]string // by source language, sorted
}

// pairs lists the server's language pairs, page by page.
func (l *libre) pairs(ctx context.Context) (languagePairs, error) {
	p := languagePairs{targets: map[string][]string{}}
	token := ""
	for {
		resp, err := l.client.ListModels(ctx, &translatev1.ListModelsRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			return p, err
		}
		for _, m := range resp.GetModels() {
			src, tgt := m.GetSourceLanguageCode(), m.GetTargetLanguageCode()
			if !slices.Contains(p.targets[src], tgt) {
				p.targets[src] = append(p.targets[src], tgt)
				slices.Sort(p.targets[src])
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			return p, nil
		}
	}
}

// sources returns the languages the server translates from, sorted.
func (p languagePairs) sources() []string {
	out := make([]string, 0, len(p.targets))
	for src := range p.targets {
		out = append(out, src)
	}
	slices.Sort(out)
	return out
}

// all returns every language the server translates from or into, sorted.
func (p languagePairs) all() []string {
	out := p.sources()
	for _, ts := range p.targets {
		out = append(out, ts...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p languagePairs) knows(code string) bool { return slices.Contains(p.all(), code) }

// languageName is a language's English name ("Spanish" for es), or its
// code when it has none.
func languageName(code string) string {
	tag, err := language.Parse(strings.ReplaceAll(code, "_", "-"))
	if err != nil {
		return code
	}
	if name := display.English.Tags().Name(tag); name != "" {
		return name
	}
	return code
}

// writeLibreError answers err as LibreTranslate would: {"error": "..."}
// with 400 for a bad request (an unknown language, a text over the
// limits), 403 for a refused key, 429 when the server is full, 500 for the
// rest.
func writeLibreError(w http.ResponseWriter, err error) {
	if le, ok := errors.AsType[*libreError](err); ok {
		writeJSON(w, le.status, map[string]string{"error": le.msg})
		return
	}
	st := status.Convert(err)
	code, msg := http.StatusInternalServerError, "Cannot translate text: "+st.Message()
	switch st.Code() {
	case codes.InvalidArgument, codes.NotFound:
		code, msg = http.StatusBadRequest, "Invalid request: "+st.Message()
	case codes.Unauthenticated, codes.PermissionDenied:
		code, msg = http.StatusForbidden, st.Message()
	case codes.ResourceExhausted:
		code, msg = http.StatusTooManyRequests, "Slowdown: "+st.Message()
	}
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
