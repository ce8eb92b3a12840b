// Package safetensors reads and writes the safetensors tensor file format: an
// 8-byte little-endian header length, a JSON header mapping each tensor name to
// its dtype, shape and byte range, then the raw little-endian data.
//
// A Reader (Open) reads tensors on demand; on Linux it maps the file and
// hands out F32 values where they lie (Float32s, mmap_linux.go).
//
// It knows nothing about models: the names and shapes a MarianMT checkpoint
// needs are checked by package model. Reading never panics on a corrupt file;
// every defect is reported as an error naming the tensor.
package safetensors
