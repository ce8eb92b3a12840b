package tensor

import "testing"

// TestGenericKernels runs the kernel tests again with the assembly switched
// off, so the pure Go path used on other architectures is checked here too.
func TestGenericKernels(t *testing.T) {
	if !useAVX2 {
		t.Skip("assembly kernels already off on this CPU")
	}
	useAVX2 = false
	defer func() { useAVX2 = true }()
	t.Run("LinearApply", TestLinearApply)
	t.Run("DotAxpy", TestDotAxpy)
	t.Run("SoftmaxAndExp", TestSoftmaxAndExp)
	t.Run("Activations", TestActivations)
	t.Run("ArgmaxMax", TestArgmaxMax)
	t.Run("DotRowsWeightedSum", TestDotRowsWeightedSum)
	t.Run("AddLayerNormSizes", TestAddLayerNormSizes)
	t.Run("GatherMatchesStrided", TestGatherMatchesStrided)
	t.Run("LinearInt8Exact", TestLinearInt8Exact)
	t.Run("LinearInt8Edges", TestLinearInt8Edges)
}
