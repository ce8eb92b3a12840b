package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/translated/translated/nmt"
	"github.com/translated/translated/nmt/model"
	"github.com/translated/translated/nmt/safetensors"
)

func init() {
	register("convert", "rewrite a model directory as model.safetensors in F32, F16, BF16 or int8", runConvert)
}

// companionFiles are copied unchanged from the source directory when
// present: tokenizers, vocabularies, generation defaults, the model card.
var companionFiles = []string{
	nmt.TokenizerFile, "source.spm", "target.spm", "vocab.json", "generation_config.json", "README.md",
}

func runConvert(ctx context.Context, args []string, e *env) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dtype := fs.String("dtype", "f16", "storage type of the weights: f32, f16, bf16, or int8 (weight matrices as int8 with one scale per row, the rest F32; loads as an int8 model here, not in Python)")
	noEmbed := fs.Bool("no-embeddings", false, "leave out the shared embedding matrix, recording its digest in config.json: for a model trained with train --freeze-embeddings from the model it is to sit beside (as its right-to-left/ model), which supplies the matrix; the tokenizer and the other files beside the weights are not copied")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: translate-cli convert [--dtype f16] SRC_DIR DST_DIR\n\nLoads a model directory (model.safetensors or pytorch_model.bin) and writes\nconfig.json and model.safetensors to DST_DIR, copying the tokenizer files.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	store := safetensors.DType(strings.ToUpper(*dtype))
	if store == "INT8" {
		store = safetensors.I8
	}
	if fs.NArg() != 2 || (store != safetensors.F32 && store != safetensors.F16 && store != safetensors.BF16 && store != safetensors.I8) {
		fs.Usage()
		return exitUsage
	}
	src, dst := fs.Arg(0), fs.Arg(1)
	if same, _ := filepath.Abs(src); same == absPath(dst) {
		fmt.Fprintln(e.stderr, "translate-cli: convert needs a destination other than its source")
		return exitUsage
	}
	// An int8 copy is quantized as the weights are read.
	m, err := model.LoadWith(src, model.LoadOptions{Int8: store == safetensors.I8})
	if err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: cannot load model: %v\n", err)
		return exitBadModel
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	save := model.Save
	if *noEmbed {
		save = model.SaveWithoutEmbeddings
	}
	if err := save(dst, m, store); err != nil {
		fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
		return exitFailure
	}
	companions := companionFiles
	if *noEmbed {
		// Such a model sits inside the model directory it belongs to and
		// reads with that model's tokenizer.
		companions = nil
	}
	for _, name := range companions {
		if err := copyFile(filepath.Join(src, name), filepath.Join(dst, name)); err != nil && !os.IsNotExist(err) {
			fmt.Fprintf(e.stderr, "translate-cli: %v\n", err)
			return exitFailure
		}
	}
	st, _ := os.Stat(filepath.Join(dst, model.WeightsFile))
	fmt.Fprintf(e.stdout, "wrote %s (%s, %.1f MB)\n", filepath.Join(dst, model.WeightsFile), store, float64(st.Size())/1e6)
	return exitOK
}

func absPath(p string) string {
	a, _ := filepath.Abs(p)
	return a
}

// copyFile copies src to dst through a temporary file and a rename.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	b, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	return safetensors.WriteAtomic(dst, b)
}
