package translatev1

import (
	"bytes"
	_ "embed"
)

//go:embed translate.swagger.json
var openAPI []byte

// OpenAPI returns the OpenAPI 2.0 description of the API's HTTP/JSON form,
// which protoc-gen-openapiv2 generates from translate.proto's
// google.api.http options (scripts/genproto.sh).
func OpenAPI() []byte { return bytes.Clone(openAPI) }
