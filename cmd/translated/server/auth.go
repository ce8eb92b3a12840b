package server

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Tokens are the bearer tokens a server accepts, each with the name of the
// client that holds it (for logs and fair sharing). A call must carry
// "authorization: Bearer <token>"; health checks need none.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	name string
	sum  [sha256.Size]byte
}

// minTokenLen is the shortest token accepted in a token file: a token is
// a password, and a short one can be guessed.
const minTokenLen = 16

// LoadTokens reads a token file: one token per line, as "NAME TOKEN" or
// TOKEN alone (named after its line: "line3"); blank lines and lines
// starting with # are skipped. Tokens are at least 16 characters.
func LoadTokens(path string) (*Tokens, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	t, err := ParseTokens(data)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return t, nil
}

// ParseTokens reads the contents of a token file (see LoadTokens).
func ParseTokens(data []byte) (*Tokens, error) {
	t := &Tokens{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		name, token := fmt.Sprintf("line%d", n), fields[0]
		switch len(fields) {
		case 1:
		case 2:
			name, token = fields[0], fields[1]
		default:
			return nil, fmt.Errorf("line %d: want NAME TOKEN or TOKEN, got %d fields", n, len(fields))
		}
		if len(token) < minTokenLen {
			return nil, fmt.Errorf("line %d: a token of %d characters, want at least %d", n, len(token), minTokenLen)
		}
		t.entries = append(t.entries, tokenEntry{name: name, sum: sha256.Sum256([]byte(token))})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(t.entries) == 0 {
		return nil, fmt.Errorf("no token")
	}
	return t, nil
}

// lookup returns the name of token. It compares token with every entry in
// constant time (over hashes, so that lengths do not show), whether or
// not an earlier one matched.
func (t *Tokens) lookup(token string) (string, bool) {
	sum := sha256.Sum256([]byte(token))
	name, found := "", 0
	for _, e := range t.entries {
		if subtle.ConstantTimeCompare(sum[:], e.sum[:]) == 1 {
			name, found = e.name, 1
		}
	}
	return name, found == 1
}

// Authorize checks the value of an authorization header ("Bearer
// <token>") against the server's tokens and returns the client's name. A
// server without tokens accepts anything and names nobody. The error is
// an Unauthenticated status, the same for a gRPC call and a gateway's.
func (s *Server) Authorize(header string) (client string, err error) {
	if s.opts.Tokens == nil {
		return "", nil
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", status.Error(codes.Unauthenticated, "this server needs a bearer token: send the header authorization: Bearer <token>")
	}
	name, ok := s.opts.Tokens.lookup(strings.TrimSpace(token))
	if !ok {
		return "", status.Error(codes.Unauthenticated, "the bearer token is not one this server accepts")
	}
	return name, nil
}

// requireToken wraps an HTTP handler (the metrics) with the token check.
func (s *Server) requireToken(h http.Handler) http.Handler {
	if s.opts.Tokens == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.Authorize(r.Header.Get("Authorization")); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="translated"`)
			http.Error(w, status.Convert(err).Message(), http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
