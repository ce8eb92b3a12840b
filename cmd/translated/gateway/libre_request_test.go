package gateway

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestParseLibreJSON(t *testing.T) {
	for _, tc := range []struct {
		body  string
		q     []string
		batch bool
		alt   int
		key   string
		says  string
	}{
		{`{"q":"Hola 👋"}`, []string{"Hola 👋"}, false, 0, "", ""},
		{`{"q":["a","cafe\u0301",""]}`, []string{"a", "cafe\u0301", ""}, true, 0, "", ""},
		{`{"q":"x","alternatives":3,"api_key":"k"}`, []string{"x"}, false, 3, "k", ""},
		{`{"q":"x","alternatives":"2","apiKey":"c"}`, []string{"x"}, false, 2, "c", ""},
		{`{"q":"x","alternatives":null}`, []string{"x"}, false, 0, "", ""},
		{`{"q":null}`, nil, false, 0, "", ""},
		{`{"q":"x","alternatives":1.5}`, nil, false, 0, "", "alternatives must be a whole number"},
		{`{"q":"x","alternatives":101}`, nil, false, 0, "", "alternatives must be a whole number"},
		{`{"q":{"a":1}}`, nil, false, 0, "", "q must be a string or a list of strings"},
		{`{"q":[["a"]]}`, nil, false, 0, "", "q must be a string or a list of strings"},
		{`["q"]`, nil, false, 0, "", "Invalid JSON format"},
		{`{"source":5}`, nil, false, 0, "", "Invalid JSON format"},
	} {
		req, err := parseLibreJSON([]byte(tc.body))
		switch {
		case tc.says != "":
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%s: %v, want an error saying %q", tc.body, err, tc.says)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.body, err)
		case !slices.Equal(req.q, tc.q) || req.batch != tc.batch || req.alternatives != tc.alt || req.apiKey != tc.key:
			t.Errorf("%s: %+v", tc.body, req)
		}
	}
}

// FuzzLibreJSON: any body is refused or read; what is read is what
// encoding/json reads of q.
func FuzzLibreJSON(f *testing.F) {
	for _, s := range []string{`{"q":"Hola","source":"auto","target":"en"}`, `{"q":["a","b"],"alternatives":"3"}`, `{"q":5}`, `{`, `{"q":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseLibreJSON(body)
		if err != nil {
			return
		}
		var raw struct {
			Q any `json:"q"`
		}
		if json.Unmarshal(body, &raw) != nil {
			return // a second value after the first: parseLibreJSON reads one
		}
		switch q := raw.Q.(type) {
		case string:
			if req.batch || len(req.q) != 1 || req.q[0] != q {
				t.Fatalf("%s: read %+v", body, req)
			}
		case []any:
			if !req.batch || len(req.q) != len(q) {
				t.Fatalf("%s: read %+v", body, req)
			}
		}
	})
}
