package server

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/translated/translated/nmt"
)

// requestCodec is the standard protobuf codec with one difference: a
// request it cannot decode (gRPC would answer Internal, with the parser's
// words) is delivered empty, and what was wrong with it is kept in bad for
// the interceptors, which answer InvalidArgument, log and count it: a
// string field with invalid UTF-8 (which the protobuf runtime refuses),
// named by its path, or bytes that are not a message of the type at all.
type requestCodec struct {
	encoding.CodecV2
	bad *sync.Map // proto.Message → decodeFailure
}

// decodeFailure is why a request could not be decoded.
type decodeFailure struct {
	reason string // for metrics: "invalid_utf8" or "malformed"
	err    error
}

func newRequestCodec(bad *sync.Map) requestCodec {
	return requestCodec{CodecV2: encoding.GetCodecV2(protoenc.Name), bad: bad}
}

func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	msg, ok := v.(proto.Message)
	if !ok {
		return err
	}
	md := msg.ProtoReflect().Descriptor()
	failure := decodeFailure{reason: "malformed", err: fmt.Errorf("%w: the request is not a well-formed %s message (protobuf wire format, %d bytes)",
		nmt.ErrInvalidArgument, md.FullName(), data.Len())}
	if field, found := invalidUTF8Field(data.Materialize(), md); found {
		failure = decodeFailure{reason: "invalid_utf8", err: invalidf(field, "not valid UTF-8")}
	}
	proto.Reset(msg)
	c.bad.Store(msg, failure)
	return nil
}

// invalidUTF8Field walks the wire form of a message of type md and returns
// the path of the first string field that is not valid UTF-8, such as
// "texts[2]" or "options.name". It reports false when there is none or the
// bytes are not a well-formed message.
func invalidUTF8Field(b []byte, md protoreflect.MessageDescriptor) (string, bool) {
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return "", false
		}
		b = b[n:]
		if typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return "", false
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return "", false
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		if fd == nil || fd.IsMap() {
			continue
		}
		name := string(fd.Name())
		if fd.IsList() {
			name = fmt.Sprintf("%s[%d]", name, seen[num])
			seen[num]++
		}
		switch fd.Kind() {
		case protoreflect.StringKind:
			if !utf8.Valid(v) {
				return name, true
			}
		case protoreflect.MessageKind:
			if inner, ok := invalidUTF8Field(v, fd.Message()); ok {
				return name + "." + inner, true
			}
		}
	}
	return "", false
}
