package server

import (
	"encoding/base64"
	"sort"
	"strings"

	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// ListModels pages: the size of a page unless the request asks for
// another, and the most one page holds.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// pageTokenPrefix starts every page token before it is encoded; a token
// without it is not one of ours.
const pageTokenPrefix = "after:"

// page returns the models that follow the one token names (all of them
// for an empty token), size of them at most (0: defaultPageSize). A token
// names the last model of its page, so that a page follows on even when
// models come and go between two calls.
func (ms *Models) page(size uint32, token string) (*translatev1.ListModelsResponse, error) {
	names := ms.Names()
	start := 0
	if token != "" {
		after, err := decodePageToken(token)
		if err != nil {
			return nil, err
		}
		start = sort.Search(len(names), func(i int) bool { return names[i] > after })
	}
	n := int(size)
	switch {
	case n == 0:
		n = defaultPageSize
	case n > maxPageSize:
		n = maxPageSize
	}
	end := min(start+n, len(names))
	resp := &translatev1.ListModelsResponse{Models: make([]*translatev1.Model, 0, end-start)}
	for _, name := range names[start:end] {
		resp.Models = append(resp.Models, ms.byName[name].info)
	}
	if end < len(names) {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(pageTokenPrefix + names[end-1]))
	}
	return resp, nil
}

// decodePageToken returns the model name a page token holds.
func decodePageToken(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", invalidf("page_token", "not a token this server made")
	}
	name, ok := strings.CutPrefix(string(b), pageTokenPrefix)
	if !ok || name == "" {
		return "", invalidf("page_token", "not a token this server made")
	}
	return name, nil
}
