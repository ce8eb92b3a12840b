# The translated server as a container image: a static binary (no cgo, so
# the pure-Go kernels; see docs/engine.md) and the shipped models under
# /models, on a distroless base that has no shell and runs as a non-root
# user. Build: docker build -t translated .   Kubernetes: deploy/kubernetes/.
# The Go version matches go.mod; the base images are pinned by tag (pin by
# digest too where the registry is mirrored).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/translated ./cmd/translated

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/translated /usr/local/bin/translated
# The models are part of the image: a rollout is one immutable artifact,
# and a pod starts without waiting for a volume (docs/scaling.md).
COPY checkpoints/ /models/
# 65532 is the distroless "nonroot" user; numeric so that Kubernetes'
# runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/translated", "--addr=:50051", "--metrics-addr=:9464", "--models=/models", "--log-format=json"]
