package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// libreRequest is a LibreTranslate request, read from a JSON body or from
// form values (URL-encoded, multipart or the query string), as
// LibreTranslate reads them.
type libreRequest struct {
	q            []string // the texts
	batch        bool     // q was a list: answer with lists
	source       string   // a language code, or "auto"
	target       string
	format       string // "text" or "html"; empty means text
	alternatives int    // alternative translations wanted per text
	apiKey       string // api_key, or apiKey as some clients spell it
}

// libreError is a refusal with the HTTP status LibreTranslate gives it.
type libreError struct {
	status int
	msg    string
}

func (e *libreError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &libreError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// errMissing is LibreTranslate's refusal of a request without a field.
func errMissing(name string) error { return badRequest("Invalid request: missing %s parameter", name) }

// parseLibreRequest reads a request's fields. It checks q, which every
// endpoint needs, and the form of the others; which of them an endpoint
// requires is its own business.
func parseLibreRequest(r *http.Request) (libreRequest, error) {
	var req libreRequest
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		body, rerr := io.ReadAll(r.Body)
		if rerr != nil {
			return req, bodyError(rerr)
		}
		req, err = parseLibreJSON(body)
	} else {
		req, err = parseLibreForm(r)
	}
	if err != nil {
		return req, err
	}
	if len(req.q) == 0 || (!req.batch && req.q[0] == "") {
		return req, errMissing("q")
	}
	for _, f := range []struct{ name, value string }{{"q", strings.Join(req.q, "")}, {"source", req.source},
		{"target", req.target}, {"format", req.format}} {
		if !utf8.ValidString(f.value) {
			return req, badRequest("Invalid request: %s is not valid UTF-8", f.name)
		}
	}
	if req.format != "" && req.format != "text" && req.format != "html" {
		return req, badRequest("%s format is not supported", req.format)
	}
	return req, nil
}

// bodyError is the refusal of a body that could not be read: too large,
// or cut short.
func bodyError(err error) error {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &libreError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("Invalid request: the body is over the limit of %d bytes", mbe.Limit)}
	}
	return badRequest("Invalid request: %v", err)
}

// libreJSON is the JSON form of a request; q is a string or a list of
// strings, alternatives a number or a numeric string.
type libreJSON struct {
	Q            json.RawMessage `json:"q"`
	Source       string          `json:"source"`
	Target       string          `json:"target"`
	Format       string          `json:"format"`
	Alternatives json.RawMessage `json:"alternatives"`
	APIKey       string          `json:"api_key"`
	APIKeyCamel  string          `json:"apiKey"`
}

// parseLibreJSON reads a JSON request body.
func parseLibreJSON(body []byte) (libreRequest, error) {
	var j libreJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&j); err != nil {
		return libreRequest{}, badRequest("Invalid JSON format: %v", err)
	}
	if dec.More() {
		return libreRequest{}, badRequest("Invalid JSON format: more than one value")
	}
	req := libreRequest{source: j.Source, target: j.Target, format: j.Format, apiKey: j.APIKey}
	if req.apiKey == "" {
		req.apiKey = j.APIKeyCamel
	}
	var err error
	if req.q, req.batch, err = parseQ(j.Q); err != nil {
		return req, err
	}
	if req.alternatives, err = parseAlternatives(j.Alternatives); err != nil {
		return req, err
	}
	return req, nil
}

// parseQ reads q: a string, or a list of strings (a batch). Absent or
// null is no text.
func parseQ(raw json.RawMessage) ([]string, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false, nil
	}
	if raw[0] == '[' {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, false, badRequest("Invalid request: q must be a string or a list of strings")
		}
		return list, true, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, false, badRequest("Invalid request: q must be a string or a list of strings")
	}
	return []string{s}, false, nil
}

// maxAlternatives bounds alternatives before the server's own beam limit
// does, so that a huge number is a clear refusal.
const maxAlternatives = 100

// parseAlternatives reads alternatives: a whole number or one in a string;
// absent is 0.
func parseAlternatives(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return alternativesValue(s)
}

func alternativesValue(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > maxAlternatives {
		return 0, badRequest("Invalid request: alternatives must be a whole number from 0 to %d", maxAlternatives)
	}
	return n, nil
}

// parseLibreForm reads form values: q is one string, with its line
// endings made \n as LibreTranslate makes them.
func parseLibreForm(r *http.Request) (libreRequest, error) {
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return libreRequest{}, bodyError(err)
	}
	req := libreRequest{source: r.FormValue("source"), target: r.FormValue("target"), format: r.FormValue("format"),
		apiKey: r.FormValue("api_key")}
	if q := r.FormValue("q"); q != "" {
		req.q = []string{strings.ReplaceAll(strings.ReplaceAll(q, "\r\n", "\n"), "\r", "\n")}
	}
	req.alternatives, err = alternativesValue(r.FormValue("alternatives"))
	return req, err
}
