package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// The deployment files (Dockerfile, deploy/kubernetes/) are checked here,
// beside the flags they pass: every manifest decodes strictly into the
// Kubernetes API types, the Kustomize overlays name files that exist, and
// ports, probes, grace period, user and models agree with the server.

const (
	repoRoot   = "../.."
	kubeDir    = repoRoot + "/deploy/kubernetes"
	dockerfile = repoRoot + "/Dockerfile"
)

// kustomization is the part of Kustomize's file format these manifests
// use; a field outside it fails the strict decoding.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources,omitempty"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
	Patches []struct {
		Path string `json:"path"`
	} `json:"patches,omitempty"`
}

// kinds maps each kind the manifests may hold to its apiVersion and type.
var kinds = map[string]struct {
	apiVersion string
	new        func() any
}{
	"Deployment":              {"apps/v1", func() any { return new(appsv1.Deployment) }},
	"Service":                 {"v1", func() any { return new(corev1.Service) }},
	"PodDisruptionBudget":     {"policy/v1", func() any { return new(policyv1.PodDisruptionBudget) }},
	"HorizontalPodAutoscaler": {"autoscaling/v2", func() any { return new(autoscalingv2.HorizontalPodAutoscaler) }},
	"Kustomization":           {"kustomize.config.k8s.io/v1beta1", func() any { return new(kustomization) }},
}

// decodeManifest decodes one YAML object strictly: an unknown or
// duplicated field, an unknown kind or a wrong apiVersion is an error.
func decodeManifest(data []byte) (any, error) {
	if strings.Contains("\n"+string(data), "\n---") {
		return nil, fmt.Errorf("more than one document: keep one object per file")
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	k, ok := kinds[head.Kind]
	switch {
	case !ok:
		return nil, fmt.Errorf("kind %q is none of the kinds this test knows", head.Kind)
	case head.APIVersion != k.apiVersion:
		return nil, fmt.Errorf("%s has apiVersion %q, want %q", head.Kind, head.APIVersion, k.apiVersion)
	}
	obj := k.new()
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// readManifest decodes the file at path, failing the test on any error.
func readManifest(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := decodeManifest(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func TestManifestsDecodeStrictly(t *testing.T) {
	var n int
	err := filepath.WalkDir(kubeDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			readManifest(t, path)
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("found %d manifests under %s, want the base, two overlays and extras", n, kubeDir)
	}
}

// TestDecodeManifestRejects shows that the decoding above is strict.
func TestDecodeManifestRejects(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"unknown field", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n", "unknown field"},
		{"misplaced field", "apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: 50051\n      probe: {}\n", "unknown field"},
		{"duplicate field", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  maxUnavailable: 2\n", "already set"},
		{"wrong apiVersion", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\n", "want \"autoscaling/v2\""},
		{"unknown kind", "apiVersion: v1\nkind: ConfigMap\n", "none of the kinds"},
		{"two documents", "apiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Service\n", "one object per file"},
		{"unknown kustomize field", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nbases: [../x]\n", "unknown field"},
		{"bad quantity", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - resources: {limits: {memory: 1 GiB}}\n", "quantities must match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeManifest([]byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}
