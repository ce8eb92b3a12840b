package server

import (
	"context"
	"math"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/translated/translated/cmd/translated/server/servertest"
	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// TestLimits sends requests over each limit (and other bad input) and
// checks the InvalidArgument status names the field at fault.
func TestLimits(t *testing.T) {
	cfg := testConfig()
	cfg.Limits = Limits{MaxTexts: 3, MaxChars: 20, MaxTokens: 8, MaxBeam: 4, MaxOutput: 50}
	h := startServer(t, "bufconn", cfg, realModels(t))
	opts := func(o *translatev1.DecodingOptions) *translatev1.TranslateRequest {
		r := enEs("Hello.")
		r.Options = o
		return r
	}
	tests := []struct {
		name  string
		req   *translatev1.TranslateRequest
		field string
	}{
		{"too many texts", enEs("a", "b", "c", "d"), "texts:"},
		{"too many characters", enEs("ok", strings.Repeat("é", 21)), "texts[1]: 21 characters"},
		{"characters count code points, not bytes", enEs(strings.Repeat("👩", 21)), "texts[0]: 21 characters"},
		{"too many tokens", enEs("xylophone quiz jazz"), "tokens, over this server's limit of 8"},
		{"beam over the limit", opts(&translatev1.DecodingOptions{BeamSize: 5}), "options.beam_size"},
		{"n-best over the beam", opts(&translatev1.DecodingOptions{BeamSize: 2, NBest: 3}), "options.n_best"},
		{"n-best over the limit", opts(&translatev1.DecodingOptions{NBest: 5}), "options.n_best"},
		{"output over the limit", opts(&translatev1.DecodingOptions{MaxLength: 51}), "options.max_length"},
		{"negative length penalty", opts(&translatev1.DecodingOptions{LengthPenalty: new(-1.0)}), "options.length_penalty"},
		{"NaN length penalty", opts(&translatev1.DecodingOptions{LengthPenalty: new(math.NaN())}), "options.length_penalty"},
		{"negative rerank", opts(&translatev1.DecodingOptions{Rerank: -1}), "options.rerank"},
		{"NaN rerank", opts(&translatev1.DecodingOptions{Rerank: math.NaN()}), "options.rerank"},
		{"rerank over 10", opts(&translatev1.DecodingOptions{Rerank: 11}), "options.rerank"},
		{"huge length ratio", opts(&translatev1.DecodingOptions{MaxLengthRatio: 1e9}), "options.max_length_ratio"},
		{"unknown alignment mode", &translatev1.TranslateRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", Alignment: 42}, "alignment"},
		{"no source language", &translatev1.TranslateRequest{TargetLanguageCode: "es"}, "source_language_code: required"},
		{"no target language", &translatev1.TranslateRequest{SourceLanguageCode: "en"}, "target_language_code: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			_, err := h.client.Translate(ctx, tc.req)
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), tc.field) {
				t.Errorf("Translate: %v, want InvalidArgument naming %q", err, tc.field)
			}
			st, err := h.client.TranslateStream(ctx, tc.req)
			if err == nil {
				_, err = st.Recv()
			}
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), tc.field) {
				t.Errorf("TranslateStream: %v, want InvalidArgument naming %q", err, tc.field)
			}
		})
	}
	ctx := testContext(t)
	_, err := h.client.Align(ctx, &translatev1.AlignRequest{SourceLanguageCode: "en", TargetLanguageCode: "es", SourceText: "Hi.", TargetText: strings.Repeat("x", 21)})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "target_text") {
		t.Errorf("Align over the character limit: %v", err)
	}
	// At the limits exactly, requests pass.
	resp, err := h.client.Translate(ctx, enEs("a", "b", strings.Repeat("é", 3)))
	if err != nil || len(resp.Translations) != 3 {
		t.Errorf("request at the limits: %v", err)
	}
}

// rawCodec puts bytes on the wire as they are.
type rawCodec = servertest.RawCodec

// rawStream sends b as the request of a TranslateStream call and returns
// how the stream ends.
func rawStream(t *testing.T, ctx context.Context, h *harness, b []byte) error {
	t.Helper()
	st, err := h.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, translatev1.TranslationService_TranslateStream_FullMethodName,
		grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SendMsg(b); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for err == nil {
		err = st.RecvMsg(&out)
	}
	return err
}

// TestInvalidUTF8OnTheWire sends texts that are not UTF-8, as a client in
// a language without checks can, and expects InvalidArgument naming the
// field, for unary and streaming calls alike.
func TestInvalidUTF8OnTheWire(t *testing.T) {
	h := startServer(t, "bufconn", testConfig(), realModels(t))
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, "en")
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "es")
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, "fine")
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, "ab\x80cd")
	ctx := testContext(t)
	var out []byte
	err := h.conn.Invoke(ctx, translatev1.TranslationService_Translate_FullMethodName, b, &out, grpc.ForceCodecV2(rawCodec{}))
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "texts[1]: not valid UTF-8") {
		t.Fatalf("Translate: %v, want InvalidArgument naming texts[1]", err)
	}
	if err := rawStream(t, ctx, h, b); status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "texts[1]") {
		t.Fatalf("TranslateStream: %v, want InvalidArgument naming texts[1]", err)
	}
	// The server still serves well-formed requests, and the bookkeeping of
	// bad requests is empty again.
	if _, err := h.client.Translate(ctx, enEs("Hello.")); err != nil {
		t.Fatal(err)
	}
	h.srv.badRequests.Range(func(k, _ any) bool { t.Errorf("left in badRequests: %v", k); return true })
}

func TestInvalidUTF8Field(t *testing.T) {
	md := (&translatev1.TranslateRequest{}).ProtoReflect().Descriptor()
	good, err := proto.Marshal(&translatev1.TranslateRequest{SourceLanguageCode: "en", Texts: []string{"a", "ü"}, Options: &translatev1.DecodingOptions{BeamSize: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if f, bad := invalidUTF8Field(good, md); bad {
		t.Fatalf("valid message: %q reported", f)
	}
	bad := protowire.AppendTag(append([]byte(nil), good...), 3, protowire.BytesType)
	bad = protowire.AppendBytes(bad, []byte{0xff})
	if f, ok := invalidUTF8Field(bad, md); !ok || f != "texts[2]" {
		t.Fatalf("got %q %v, want texts[2]", f, ok)
	}
	if _, ok := invalidUTF8Field([]byte{0x1a, 0x05, 'a'}, md); ok { // truncated
		t.Fatal("truncated message reported as a UTF-8 error")
	}
	nested := &translatev1.AlignResponse{}
	var nb []byte
	nb = protowire.AppendTag(nb, 1, protowire.BytesType) // sentences[0] (AlignedSentence)
	nb = protowire.AppendBytes(nb, nil)
	nb = protowire.AppendTag(nb, 1, protowire.BytesType) // sentences[1]
	var inner []byte
	inner = protowire.AppendTag(inner, 3, protowire.BytesType) // target_text
	inner = protowire.AppendBytes(inner, []byte("\xc3"))
	nb = protowire.AppendBytes(nb, inner)
	if f, ok := invalidUTF8Field(nb, nested.ProtoReflect().Descriptor()); !ok || f != "sentences[1].target_text" {
		t.Fatalf("nested: got %q %v", f, ok)
	}
}

// FuzzTranslateRequest feeds arbitrary wire bytes through the server's
// request decoding, model lookup and validation, cheap checks, plan,
// token limit and memory estimate: they must never panic, a refusal is
// InvalidArgument or NotFound in a message of bounded size, and whatever
// passes is within the limits, served by the model of the request's
// languages, and has a positive estimate.
func FuzzTranslateRequest(f *testing.F) {
	seed, _ := proto.Marshal(&translatev1.TranslateRequest{SourceLanguageCode: "xx", TargetLanguageCode: "yy",
		Texts: []string{"Hello.", "", "שלום 你好 👩‍👩‍👧"}, Options: &translatev1.DecodingOptions{BeamSize: 2, NBest: 2, LengthPenalty: new(0.6)}})
	f.Add(seed)
	seed, _ = proto.Marshal(&translatev1.TranslateRequest{SourceLanguageCode: "xx", TargetLanguageCode: "yy",
		Texts: []string{"Hello."}, Options: &translatev1.DecodingOptions{BeamSize: 4, Mbr: new(20.0)}})
	f.Add(seed)
	seed, _ = proto.Marshal(&translatev1.TranslateRequest{Model: "xx-yy-b", Texts: []string{"Hello."},
		Options: &translatev1.DecodingOptions{LengthPenalty: new(0.0), Mbr: new(0.0), MaxLengthRatio: 2}})
	f.Add(seed)
	seed, _ = proto.Marshal(&translatev1.TranslateRequest{Model: "xx-yy", TargetLanguageCode: "zz", Texts: []string{"Hello."}})
	f.Add(seed)
	f.Add([]byte{0x1a, 0x03, 'a', 0x80, 'b'})
	f.Add([]byte{0x22, 0x02, 0x19, 0x7f})
	lim := Limits{MaxTexts: 4, MaxChars: 50, MaxTokens: 50, MaxBeam: 4, MaxOutput: 64}
	ms := mustModels(f, &model{name: "xx-yy", source: "xx", target: "yy"}, &model{name: "xx-yy-b", source: "xx", target: "yy"},
		&model{name: "yy-xx", source: "yy", target: "xx"})
	md := (&translatev1.TranslateRequest{}).ProtoReflect().Descriptor()
	f.Fuzz(func(t *testing.T, b []byte) {
		var req translatev1.TranslateRequest
		if err := proto.Unmarshal(b, &req); err != nil {
			invalidUTF8Field(b, md) // must not panic either
			return
		}
		m, err := ms.lookup(req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode())
		if err == nil {
			if (req.GetModel() != "" && m.name != req.GetModel()) || (req.GetSourceLanguageCode() != "" && m.source != req.GetSourceLanguageCode()) ||
				(req.GetTargetLanguageCode() != "" && m.target != req.GetTargetLanguageCode()) {
				t.Fatalf("request for %q %q→%q served by %s", req.GetModel(), req.GetSourceLanguageCode(), req.GetTargetLanguageCode(), m.name)
			}
		}
		var r nmt.Request
		if err == nil {
			r, err = lim.translateRequest(&req, m)
		}
		var plan nmt.Plan
		if err == nil {
			if plan, err = planOf(m, r); err == nil {
				err = lim.checkPlan(plan)
			}
		}
		if err != nil {
			st := status.Convert(toStatus(quietLogger(), err))
			if code := st.Code(); code != codes.InvalidArgument && code != codes.NotFound {
				t.Fatalf("refusal %v is %v, not InvalidArgument or NotFound", err, code)
			}
			if len(st.Message()) > 2*logLimit {
				t.Fatalf("a refusal of %d bytes", len(st.Message()))
			}
			return
		}
		if est := estimateBytes(plan, shapeOf(m), req.GetAlignment()); est <= 0 {
			t.Fatalf("estimate %d for %+v", est, plan)
		}
		if len(r.Texts) > lim.MaxTexts || r.Options.BeamSize > lim.MaxBeam || r.Options.MaxLength > lim.MaxOutput || r.Options.MaxLength < 1 ||
			!inRange(r.Options.LengthPenalty, maxLengthPenalty) || r.Options.NBest > lim.MaxBeam ||
			!inRange(r.Options.MBR, nmt.MaxMBR) || !inRange(&r.Options.Rerank, nmt.MaxRerank) {
			t.Fatalf("accepted out of bounds: %+v", r.Options)
		}
	})
}

// inRange says whether an option is unset or within [0, most].
func inRange(v *float64, most float64) bool { return v == nil || (*v >= 0 && *v <= most) }

// FuzzPageToken: any page token and size give a page or InvalidArgument,
// never a panic; a page is never larger than asked, and its token, when
// there is one, gives the models that follow it.
func FuzzPageToken(f *testing.F) {
	f.Add(uint32(1), "")
	f.Add(uint32(0), "YWZ0ZXI6eHgteXk")
	f.Add(uint32(5000), "not a token")
	f.Add(uint32(2), "YWZ0ZXI6")
	ms := mustModels(f, &model{name: "xx-yy", source: "xx", target: "yy"}, &model{name: "xx-yy-b", source: "xx", target: "yy"},
		&model{name: "yy-xx", source: "yy", target: "xx"})
	f.Fuzz(func(t *testing.T, size uint32, token string) {
		page, err := ms.page(size, token)
		if err != nil {
			if status.Code(toStatus(quietLogger(), err)) != codes.InvalidArgument {
				t.Fatalf("page token %q: %v is not InvalidArgument", token, err)
			}
			return
		}
		if size > 0 && len(page.Models) > int(size) {
			t.Fatalf("page size %d: %d models", size, len(page.Models))
		}
		if page.NextPageToken == "" {
			return
		}
		next, err := ms.page(size, page.NextPageToken)
		if err != nil || len(next.Models) == 0 || next.Models[0].Name <= page.Models[len(page.Models)-1].Name {
			t.Fatalf("the page after %v: %v, %v", page.Models, next, err)
		}
	})
}
