package servertest

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// RawCodec sends a []byte as it is and receives into a *[]byte, under the
// name "proto": with grpc.ForceCodecV2 it puts on the wire what no
// protobuf library would marshal (invalid UTF-8, broken messages), as a
// client in another language can.
type RawCodec struct{}

func (RawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (RawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*(v.(*[]byte)) = data.Materialize()
	return nil
}

func (RawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = RawCodec{}
