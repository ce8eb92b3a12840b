package train

import (
	"math"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	valid := func(edit func(*Config)) Config {
		c := DefaultConfig()
		c.Train, c.Run = "córpus/ñandú 🦤.tsv", "runs/en→es"
		if edit != nil {
			edit(&c)
		}
		return c
	}
	links := []string{"links.kjv-es.jsonl.gz"}
	cases := []struct {
		name string
		c    Config
		want string // a piece of the message; "" = valid
	}{
		{"defaults with a corpus and a run", valid(nil), ""},
		{"the zero Options take their defaults", valid(func(c *Config) { c.Options = Options{} }), ""},
		{"no corpus", valid(func(c *Config) { c.Train = "" }), "(--train) and a run directory (--run) are required"},
		{"no run directory", valid(func(c *Config) { c.Run = "" }), "are required"},
		{"dropout of 1.5", valid(func(c *Config) { c.Options.Dropout = 1.5 }), "dropout must be below 1, got 1.5"},
		{"descending buckets", valid(func(c *Config) { c.Options.Buckets = []int{64, 32} }), "ascending"},
		{"negative guide weight", valid(func(c *Config) { c.GuidedWeight, c.GuidedIBM1 = -1, "intersection" }), "--guided-weight must not be negative, got -1"},
		{"NaN guide weight", valid(func(c *Config) { c.GuidedWeight, c.GuidedIBM1 = math.NaN(), "intersection" }), "got NaN"},
		{"guide weight without links", valid(func(c *Config) { c.GuidedWeight = 0.5 }), "needs word links"},
		{"links without a weight", valid(func(c *Config) { c.GuidedLinks = links }), "need --guided-weight > 0"},
		{"IBM1 without a weight", valid(func(c *Config) { c.GuidedIBM1 = "grow-diag" }), "need --guided-weight > 0"},
		{"unknown symmetrization", valid(func(c *Config) { c.GuidedWeight, c.GuidedIBM1 = 1, "diagonal" }), "--guided-ibm1: "},
		{"guided by gold links", valid(func(c *Config) { c.GuidedWeight, c.GuidedLinks = 0.5, links }), ""},
		{"guided by gold links and IBM1", valid(func(c *Config) { c.GuidedWeight, c.GuidedLinks, c.GuidedIBM1 = 0.5, links, "grow-diag-final-and" }), ""},
		{"no encoder layers", valid(func(c *Config) { c.EncoderLayers = 0 }), "--encoder-layers and --decoder-layers must be at least 1, got 0 and 3"},
		{"no decoder layers from a checkpoint", valid(func(c *Config) { c.Init, c.DecoderLayers, c.InitDecoderLayers = "runs/a/last", 0, 0 }), "got 3 and 0"},
		{"no layers on resume: the checkpoint's count", valid(func(c *Config) { c.Resume, c.EncoderLayers = true, 0 }), ""},
		{"a deeper decoder from a checkpoint", valid(func(c *Config) { c.Init, c.InitDecoderLayers = "runs/a/last", 6 }), ""},
		{"a negative layer count from a checkpoint", valid(func(c *Config) { c.Init, c.InitEncoderLayers = "runs/a/last", -1 }), "must not be negative, got -1 and 0"},
		{"right-to-left and guided", valid(func(c *Config) { c.RightToLeft, c.GuidedWeight, c.GuidedIBM1 = true, 0.5, "grow-diag" }), "--right-to-left does not take guided alignment"},
		{"frozen embeddings from nothing", valid(func(c *Config) { c.Options.FreezeEmbeddings = true }), "--freeze-embeddings needs --init"},
		{"frozen embeddings from a checkpoint", valid(func(c *Config) { c.Options.FreezeEmbeddings, c.Init = true, "runs/en→es/best" }), ""},
		{"frozen embeddings on resume", valid(func(c *Config) { c.Options.FreezeEmbeddings, c.Resume = true, true }), ""},
		{"tokenizer and init", valid(func(c *Config) { c.Tokenizer, c.Init = "checkpoints/en-es/tokenizer.json", "runs/a/last" }), "--tokenizer and --init exclude each other"},
		{"BPE-dropout of 1", valid(func(c *Config) { c.BPEDropout = 1 }), "--bpe-dropout must be in [0, 1) and --bpe-copies at least 1, got 1 and 1"},
		{"negative BPE-dropout", valid(func(c *Config) { c.BPEDropout = -0.1 }), "got -0.1 and 1"},
		{"NaN BPE-dropout", valid(func(c *Config) { c.BPEDropout = math.NaN() }), "got NaN and 1"},
		{"no BPE copies", valid(func(c *Config) { c.BPEDropout, c.BPECopies = 0.1, 0 }), "got 0.1 and 0"},
		{"BPE-dropout with two copies", valid(func(c *Config) { c.BPEDropout, c.BPECopies = 0.1, 2 }), ""},
	}
	for _, c := range cases {
		err := c.c.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: the message is more than one line: %q", c.name, err)
		}
	}
}

// TestDefaultConfig: the defaults are those of Options and of the Bible
// corpus split, and the lists are the caller's to change.
func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.Options.PeakLR != 7e-4 || len(c.Options.Buckets) != 9 || c.Vocab != 8000 || !c.DevBLEU || c.GuidedLayer != -2 {
		t.Fatalf("defaults %+v", c)
	}
	if strings.Join(c.TestBooks, ",") != "Ruth,Jonah,Hab,Phil,Jas,2Pet,1John" || strings.Join(c.DevBooks, ",") != "Joel,Titus,Col" {
		t.Fatalf("held-out books %v %v", c.TestBooks, c.DevBooks)
	}
	c.TestBooks[0] = "Gen"
	if DefaultConfig().TestBooks[0] != "Ruth" {
		t.Fatal("changing a Config's books changed the defaults")
	}
	if got := strings.Join(c.heldOut(), ","); got != "Gen,Jonah,Hab,Phil,Jas,2Pet,1John,Joel,Titus,Col" {
		t.Fatalf("held out %s", got)
	}
}
