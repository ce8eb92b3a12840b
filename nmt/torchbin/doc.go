// Package torchbin reads PyTorch checkpoints written by torch.save, such as
// the pytorch_model.bin of a Hugging Face model, into the same Tensor type
// nmt/safetensors returns, so that a model loader can treat both files
// alike.
//
// A checkpoint is a zip archive: <name>/data.pkl is a pickle of a dict of
// tensors, each rebuilt by torch._utils._rebuild_tensor_v2 from a storage
// stored as the raw record <name>/data/<key>. The pickle is run by a small
// machine that knows only the opcodes torch.save writes and refuses every
// Python name other than torch's tensor-rebuilding functions, its storage
// classes and collections.OrderedDict: nothing in the file is ever
// executed.
//
// Supported: float32, float16, bfloat16, float64, integer and bool tensors;
// shared storages; storage offsets; strided views (copied out). Not
// supported: the legacy format of torch.save before PyTorch 1.6, complex
// and quantized tensors, checkpoints that hold anything but a flat dict of
// tensors, and sharded checkpoints (pytorch_model.bin.index.json).
package torchbin
