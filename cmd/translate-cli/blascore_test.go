//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/translated/translated/nmt/train"
)

// TestTrainRestartsWithBetterBLAS runs the built command: train restarts
// itself once with OPENBLAS_CORETYPE when OpenBLAS chose slower kernels
// than the CPU runs, and never when the user set the variable.
func TestTrainRestartsWithBetterBLAS(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "translate-cli")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building translate-cli: %v\n%s", err, out)
	}
	trainErr := func(env ...string) string {
		t.Helper()
		cmd := exec.Command(bin, "train") // no flags: the usage error, after any restart
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); err == nil || code != exitUsage {
			t.Fatalf("train without flags: %v (exit %d), want exit %d:\n%s", err, code, exitUsage, out)
		}
		return string(out)
	}
	restarts := strings.Count(trainErr(), "restarting with OPENBLAS_CORETYPE=")
	want := 0
	if b := train.BetterBLASCore(); b != "" {
		want = 1
		t.Logf("OpenBLAS chose %s; the CPU runs %s", train.BLASCore(), b)
	}
	if restarts != want {
		t.Errorf("restarted %d times, want %d", restarts, want)
	}
	if out := trainErr("OPENBLAS_CORETYPE=Haswell"); strings.Contains(out, "restarting") {
		t.Errorf("restarted although the user chose the kernels:\n%s", out)
	}
}
