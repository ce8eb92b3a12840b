package main

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// image is what the Dockerfile says of the final image.
type image struct {
	text       string   // the whole file
	base       string   // the last FROM
	entrypoint []string // ENTRYPOINT, exec form
	user       string   // USER
	copies     []string // every COPY line's arguments
	builds     []string // every RUN line holding "go build"
}

func readDockerfile(t *testing.T) image {
	t.Helper()
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	im := image{text: string(data)}
	for _, line := range strings.Split(string(data), "\n") {
		instr, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch instr {
		case "FROM":
			im.base = strings.Fields(rest)[0]
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &im.entrypoint); err != nil {
				t.Fatalf("ENTRYPOINT is not in exec form: %v", err)
			}
		case "USER":
			im.user = rest
		case "COPY":
			im.copies = append(im.copies, rest)
		case "RUN":
			if strings.Contains(rest, "go build") {
				im.builds = append(im.builds, rest)
			}
		}
	}
	return im
}

func TestDockerfile(t *testing.T) {
	im := readDockerfile(t)
	if !strings.HasPrefix(im.base, "gcr.io/distroless/static") && im.base != "scratch" {
		t.Errorf("final image FROM %s, want distroless static or scratch (no libc: the binary is static)", im.base)
	}
	if len(im.builds) != 1 || !strings.Contains(im.builds[0], "CGO_ENABLED=0") || !strings.HasSuffix(im.builds[0], " ./cmd/translated") {
		t.Errorf("go build lines %q, want one CGO_ENABLED=0 build of ./cmd/translated", im.builds)
	}
	goMod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(goMod)
	if goVersion == nil || !strings.Contains(im.text, "FROM golang:"+string(goVersion[1])+"-") {
		t.Errorf("the build stage's golang image does not match go.mod's go %s", goVersion[1])
	}
	for _, c := range im.copies {
		src := strings.Fields(c)[0]
		if strings.HasPrefix(src, "--from=") || src == "." {
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
			t.Errorf("COPY %s: %v", c, err)
		}
	}
	if uid, _, _ := strings.Cut(im.user, ":"); uid == "" || uid == "0" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q, want a numeric non-root user that runAsNonRoot can check", im.user)
	}
}

// patched returns the base Deployment and its container with an overlay's
// patches applied to the fields they set (args, resources, grace period),
// as a strategic merge replaces them; overlay "" is the base alone.
func patched(t *testing.T, overlay string) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	d := readManifest(t, filepath.Join(kubeDir, "base", "deployment.yaml")).(*appsv1.Deployment)
	c := &d.Spec.Template.Spec.Containers[0]
	if overlay == "" {
		return d, c
	}
	k := readManifest(t, filepath.Join(kubeDir, "overlays", overlay, "kustomization.yaml")).(*kustomization)
	for _, p := range k.Patches {
		pd, ok := readManifest(t, filepath.Join(kubeDir, "overlays", overlay, p.Path)).(*appsv1.Deployment)
		if !ok {
			continue
		}
		ps := pd.Spec.Template.Spec
		if ps.TerminationGracePeriodSeconds != nil {
			d.Spec.Template.Spec.TerminationGracePeriodSeconds = ps.TerminationGracePeriodSeconds
		}
		for _, pc := range ps.Containers {
			if pc.Name != c.Name {
				t.Errorf("%s patches container %q, the base has %q", p.Path, pc.Name, c.Name)
			}
			if pc.Args != nil {
				c.Args = pc.Args
			}
			if pc.Resources.Limits != nil || pc.Resources.Requests != nil {
				c.Resources = pc.Resources
			}
		}
	}
	return d, c
}

// TestManifestsMatchFlags parses the image's entrypoint plus each
// variant's args as the command would, and checks that ports, probes,
// the grace period, the CPU count and the user agree with them.
func TestManifestsMatchFlags(t *testing.T) {
	im := readDockerfile(t)
	for _, overlay := range []string{"", "dev", "production"} {
		t.Run("overlay="+overlay, func(t *testing.T) {
			d, c := patched(t, overlay)
			f, err := parseFlags(append(im.entrypoint[1:], c.Args...), io.Discard)
			if err != nil {
				t.Fatalf("the server refuses its flags: %v", err)
			}
			grpcPort := containerPort(t, c, "grpc")
			if host, port := splitAddr(t, f.addr); host != "" || port != grpcPort {
				t.Errorf("--addr=%s, want :%d on every interface (the kubelet probes the pod's IP)", f.addr, grpcPort)
			}
			if _, port := splitAddr(t, f.metricsAddr); port != containerPort(t, c, "metrics") {
				t.Errorf("--metrics-addr=%s, want the port named metrics", f.metricsAddr)
			}
			if a := d.Spec.Template.Annotations["prometheus.io/port"]; a != strconv.Itoa(int(containerPort(t, c, "metrics"))) {
				t.Errorf("prometheus.io/port = %q, want the metrics port", a)
			}
			for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				if p == nil || p.GRPC == nil || p.GRPC.Port != grpcPort || (p.GRPC.Service != nil && *p.GRPC.Service != "") {
					t.Errorf("%s probe %v, want grpc.health.v1 on port %d for the whole server", name, p, grpcPort)
				}
			}
			checkGrace(t, d, c, f.opts.ShutdownTimeout)
			if cpus := c.Resources.Limits.Cpu().Value(); int64(f.opts.Workers) != cpus {
				t.Errorf("--workers=%d with a limit of %d CPUs: each worker needs one core", f.opts.Workers, cpus)
			}
			sc := d.Spec.Template.Spec.SecurityContext
			if uid, _, _ := strings.Cut(im.user, ":"); sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
				sc.RunAsUser == nil || strconv.Itoa(int(*sc.RunAsUser)) != uid {
				t.Errorf("pod securityContext %+v, want runAsNonRoot as the image's user %s", sc, im.user)
			}
			if dir := modelsInImage(t, im); f.modelsDir != dir {
				t.Errorf("--models=%s, the image puts checkpoints/ in %s", f.modelsDir, dir)
			}
		})
	}
}

// checkGrace checks that the kubelet waits for the preStop pause and the
// server's shutdown before it kills the pod.
func checkGrace(t *testing.T, d *appsv1.Deployment, c *corev1.Container, shutdown time.Duration) {
	t.Helper()
	g := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatalf("no preStop sleep: endpoints would not drain before SIGTERM")
	}
	pause := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if g == nil {
		t.Fatalf("no terminationGracePeriodSeconds: the default 30 s is not above preStop %v + --shutdown-timeout %v", pause, shutdown)
	}
	if grace := time.Duration(*g) * time.Second; grace <= pause+shutdown {
		t.Errorf("terminationGracePeriodSeconds %v, want above preStop %v + --shutdown-timeout %v", grace, pause, shutdown)
	}
}

// modelsInImage is where the Dockerfile copies checkpoints/.
func modelsInImage(t *testing.T, im image) string {
	t.Helper()
	for _, c := range im.copies {
		if f := strings.Fields(c); len(f) == 2 && strings.TrimSuffix(f[0], "/") == "checkpoints" {
			return strings.TrimSuffix(f[1], "/")
		}
	}
	t.Fatal("the Dockerfile does not copy checkpoints/")
	return ""
}

func containerPort(t *testing.T, c *corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %s", c.Name, name)
	return 0
}

func splitAddr(t *testing.T, addr string) (string, int32) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return host, int32(n)
}

// TestManifestsAgree checks the references between objects: selectors
// match the pods, the autoscaler and services name what exists, and each
// kustomization's files exist.
func TestManifestsAgree(t *testing.T) {
	base := filepath.Join(kubeDir, "base")
	d, c := patched(t, "")
	pods := d.Spec.Template.Labels
	matches := func(sel map[string]string) bool {
		for k, v := range sel {
			if pods[k] != v {
				return false
			}
		}
		return len(sel) > 0
	}
	if d.Spec.Replicas != nil {
		t.Errorf("the Deployment sets replicas: %d; the autoscaler owns the count", *d.Spec.Replicas)
	}
	if !matches(d.Spec.Selector.MatchLabels) {
		t.Errorf("the Deployment's selector %v does not match its pods %v", d.Spec.Selector.MatchLabels, pods)
	}
	for _, name := range []string{"service.yaml", "service-headless.yaml"} {
		s := readManifest(t, filepath.Join(base, name)).(*corev1.Service)
		if !matches(s.Spec.Selector) {
			t.Errorf("%s selects %v, not the pods %v", name, s.Spec.Selector, pods)
		}
		for _, p := range s.Spec.Ports {
			containerPort(t, c, p.TargetPort.String())
		}
	}
	if s := readManifest(t, filepath.Join(base, "service-headless.yaml")).(*corev1.Service); s.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("service-headless.yaml has clusterIP %q, want None", s.Spec.ClusterIP)
	}
	if p := readManifest(t, filepath.Join(base, "pdb.yaml")).(*policyv1.PodDisruptionBudget); !matches(p.Spec.Selector.MatchLabels) {
		t.Errorf("the PodDisruptionBudget selects %v, not the pods", p.Spec.Selector.MatchLabels)
	}
	for _, path := range []string{filepath.Join(base, "hpa.yaml"), filepath.Join(kubeDir, "extras", "hpa-queue-depth.yaml")} {
		h := readManifest(t, path).(*autoscalingv2.HorizontalPodAutoscaler)
		if r := h.Spec.ScaleTargetRef; r.Kind != "Deployment" || r.Name != d.Name || r.APIVersion != "apps/v1" {
			t.Errorf("%s scales %+v, not the Deployment %s", path, r, d.Name)
		}
	}
	for _, dir := range []string{base, filepath.Join(kubeDir, "overlays", "dev"), filepath.Join(kubeDir, "overlays", "production")} {
		checkKustomization(t, dir, c)
	}
}

// checkKustomization checks that the resources and patches of dir's
// kustomization.yaml exist and that its images name the Deployment's.
func checkKustomization(t *testing.T, dir string, c *corev1.Container) {
	t.Helper()
	k := readManifest(t, filepath.Join(dir, "kustomization.yaml")).(*kustomization)
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		if fi, err := os.Stat(p); err != nil {
			t.Errorf("%s: resource %s: %v", dir, r, err)
		} else if fi.IsDir() {
			if _, err := os.Stat(filepath.Join(p, "kustomization.yaml")); err != nil {
				t.Errorf("%s: resource %s is a directory without kustomization.yaml", dir, r)
			}
		}
	}
	for _, p := range k.Patches {
		if _, err := os.Stat(filepath.Join(dir, p.Path)); err != nil {
			t.Errorf("%s: patch %v", dir, err)
		}
	}
	for _, im := range k.Images {
		if im.Name != c.Image {
			t.Errorf("%s: image %q is not the container's %q", dir, im.Name, c.Image)
		}
	}
}
