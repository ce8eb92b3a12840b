package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/translated/translated/nmt"
	translatev1 "github.com/translated/translated/proto/translate/v1"
)

// remoteTranslator translates through a translated server, with one model
// (or the default model of one language pair). Its Translate and Align have the signatures of
// *nmt.Translator's, so a command runs the same code with a local model
// or a server, and prints the same output.
//
// What a server does not send is rebuilt or left out: a token's
// cross-attention comes back as one averaged layer and head (the server's
// alignment row with the end-of-sentence weight put back as the last
// column), and source texts are the request's own.
type remoteTranslator struct {
	conn            *grpc.ClientConn
	client          translatev1.TranslationServiceClient
	model, from, to string
}

// remoteFlags say how to reach a server: TLS and a bearer token.
type remoteFlags struct {
	tlsCA, tlsCert, tlsKey string
	tokenFile              string
}

// tokenEnv names the environment variable that holds a bearer token when
// --token-file is not given.
const tokenEnv = "TRANSLATED_TOKEN"

func (r *remoteFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&r.tlsCA, "tls-ca", "", "with --server: connect over TLS, trusting the certificate authorities of this PEM `file` (the system's when empty and --tls-cert is set)")
	fs.StringVar(&r.tlsCert, "tls-cert", "", "with --server: a PEM client certificate `file` for mutual TLS (with --tls-key)")
	fs.StringVar(&r.tlsKey, "tls-key", "", "with --server: the PEM private key `file` of --tls-cert")
	fs.StringVar(&r.tokenFile, "token-file", "", "with --server: send the bearer token this `file` holds (default: $"+tokenEnv+" when set)")
}

// dialOptions turns the flags into the connection's credentials.
func (r remoteFlags) dialOptions() ([]grpc.DialOption, error) {
	if (r.tlsCert == "") != (r.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	creds := insecure.NewCredentials()
	secure := r.tlsCA != "" || r.tlsCert != ""
	if secure {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if r.tlsCA != "" {
			pem, err := os.ReadFile(r.tlsCA)
			if err != nil {
				return nil, fmt.Errorf("--tls-ca: %w", err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--tls-ca: %s holds no PEM certificate", r.tlsCA)
			}
		}
		if r.tlsCert != "" {
			cert, err := tls.LoadX509KeyPair(r.tlsCert, r.tlsKey)
			if err != nil {
				return nil, fmt.Errorf("--tls-cert: %w", err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		creds = credentials.NewTLS(cfg)
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	token := os.Getenv(tokenEnv)
	if r.tokenFile != "" {
		b, err := os.ReadFile(r.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		token = string(b)
	}
	if token = strings.TrimSpace(token); token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer{token: token, secure: secure}))
	}
	return opts, nil
}

// bearer sends a token with every call.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity lets a token go over plaintext only when the
// flags ask for no TLS (a server on loopback, or behind a proxy that
// terminates TLS).
func (b bearer) RequireTransportSecurity() bool { return b.secure }

// dialServer connects to the servers addr names (host:port, a gRPC
// target such as dns:///host:port, or host:port,host:port,…; see
// serverTarget), over TLS and with a token as sec says, for the model of
// that name, or with no name the default model of the pair from-to
// (languages left empty take the named model's). Calls are balanced over
// the servers and retried as balanceOptions says. The connection is made
// lazily: an unreachable server shows at the first call.
func dialServer(addr string, sec remoteFlags, model, from, to string) (*remoteTranslator, error) {
	opts, err := sec.dialOptions()
	if err != nil {
		return nil, err
	}
	target, topts, _, err := serverTarget(addr)
	if err != nil {
		return nil, err
	}
	opts = append(append(opts, topts...), balanceOptions()...)
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", addr, err)
	}
	return &remoteTranslator{conn: conn, client: translatev1.NewTranslationServiceClient(conn), model: model, from: from, to: to}, nil
}

// Close ends the connection.
func (r *remoteTranslator) Close() error { return r.conn.Close() }

// Translate translates req on the server; with stream set it uses
// TranslateStream and forwards each token and result as nmt events.
func (r *remoteTranslator) Translate(ctx context.Context, req nmt.Request, stream func(nmt.Event)) ([]nmt.Translation, error) {
	preq := &translatev1.TranslateRequest{
		Model: r.model, SourceLanguageCode: r.from, TargetLanguageCode: r.to, Texts: req.Texts, IncludeLogProbs: true,
		Options: &translatev1.DecodingOptions{
			BeamSize: uint32(max(req.Options.BeamSize, 0)), NBest: uint32(max(req.Options.NBest, 0)),
			LengthPenalty: req.Options.LengthPenalty, MaxLength: uint32(max(req.Options.MaxLength, 0)),
			MaxLengthRatio: req.Options.MaxLengthRatio, Rerank: req.Options.Rerank,
			RightToLeft: req.Options.RightToLeft, Mbr: req.Options.MBR, WholeLines: req.Options.WholeLines, Ensemble: req.Options.Ensemble,
		},
	}
	if req.Options.Attention {
		preq.Alignment = translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD
	}
	if stream == nil {
		resp, err := r.client.Translate(ctx, preq)
		if err != nil {
			return nil, fromStatus(err)
		}
		out := make([]nmt.Translation, len(resp.Translations))
		for i, tr := range resp.Translations {
			out[i] = fromProto(req.Texts[i], tr)
		}
		return out, nil
	}
	return r.translateStream(ctx, preq, stream)
}

func (r *remoteTranslator) translateStream(ctx context.Context, preq *translatev1.TranslateRequest, stream func(nmt.Event)) ([]nmt.Translation, error) {
	st, err := r.client.TranslateStream(ctx, preq)
	if err != nil {
		return nil, fromStatus(err)
	}
	out := make([]nmt.Translation, len(preq.Texts))
	for {
		ev, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fromStatus(err)
		}
		i := int(ev.TextIndex)
		if i >= len(out) {
			return nil, fmt.Errorf("server sent an event for text %d of %d", i, len(out))
		}
		switch e := ev.Event.(type) {
		case *translatev1.TranslateStreamResponse_Token:
			tok := fromToken(e.Token.Token)
			stream(nmt.Event{Index: i, Sentence: int(e.Token.SentenceIndex), Pos: int(e.Token.Position), Token: &tok})
		case *translatev1.TranslateStreamResponse_Result:
			out[i] = fromProto(preq.Texts[i], e.Result)
			stream(nmt.Event{Index: i, Sentence: len(out[i].Sentences), Final: &out[i]})
		}
	}
}

// Align force-decodes target against source on the server.
func (r *remoteTranslator) Align(ctx context.Context, source, target string, opts nmt.Options) (nmt.Translation, error) {
	resp, err := r.client.Align(ctx, &translatev1.AlignRequest{
		Model: r.model, SourceLanguageCode: r.from, TargetLanguageCode: r.to, SourceText: source, TargetText: target,
		Alignment: translatev1.AlignmentMode_ALIGNMENT_MODE_SUBWORD, IncludeLogProbs: true,
		WholeLines: opts.WholeLines,
	})
	if err != nil {
		return nmt.Translation{}, fromStatus(err)
	}
	return fromAligned(source, target, resp.GetSentences()), nil
}

// fromStatus turns a server status into the error a local translator
// would have returned, so that commands choose the same exit codes.
func fromStatus(err error) error {
	s, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch s.Code() {
	case codes.InvalidArgument:
		return fmt.Errorf("%w: %s (server)", nmt.ErrInvalidArgument, s.Message())
	case codes.NotFound:
		return fmt.Errorf("%w: %s (server)", nmt.ErrBadModel, s.Message())
	case codes.Canceled:
		return fmt.Errorf("%w (server)", context.Canceled)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%w: %s (server)", context.DeadlineExceeded, s.Message())
	}
	return serverError{s}
}

// serverError is a server's status that no local error stands for. It
// keeps the status (status.FromError finds it), so that callers can tell
// a failure worth retrying from one that is not.
type serverError struct{ st *status.Status }

func (e serverError) Error() string {
	return fmt.Sprintf("server: %s: %s", e.st.Code(), e.st.Message())
}

// GRPCStatus returns the server's status.
func (e serverError) GRPCStatus() *status.Status { return e.st }

// fromProto converts a served translation of text back to the domain type.
func fromProto(text string, tr *translatev1.Translation) nmt.Translation {
	out := nmt.Translation{Source: text, Text: tr.GetText(), Sentences: make([]nmt.Sentence, len(tr.GetSentences()))}
	for k, s := range tr.GetSentences() {
		sent := nmt.Sentence{Start: int(s.GetSpan().GetByteStart()), End: int(s.GetSpan().GetByteEnd()),
			Tokens: make([]nmt.SourceToken, len(s.GetSourceTokens())), Hypotheses: make([]nmt.Hypothesis, len(s.GetHypotheses()))}
		fromSourceTokens(sent.Tokens, s.GetSourceTokens())
		for n, h := range s.GetHypotheses() {
			hyp := nmt.Hypothesis{Text: h.GetText(), Score: h.GetScore(), LogProb: h.GetLogProb(), ReverseScore: h.GetReverseScore(), RightToLeftScore: h.GetRightToLeftScore(), MBRScore: h.GetMbrScore()}
			hyp.Tokens = fromTokens(h.GetTokens())
			sent.Hypotheses[n] = hyp
		}
		out.Sentences[k] = sent
	}
	return out
}

// fromAligned converts the sentence pairs of an Align response to the
// domain type, one hypothesis (the target's) per sentence, as a local
// translator's Align returns them.
func fromAligned(source, target string, ss []*translatev1.AlignedSentence) nmt.Translation {
	out := nmt.Translation{Source: source, Text: target, Sentences: make([]nmt.Sentence, len(ss))}
	for k, s := range ss {
		sent := nmt.Sentence{Start: int(s.GetSourceSpan().GetByteStart()), End: int(s.GetSourceSpan().GetByteEnd()),
			Tokens: make([]nmt.SourceToken, len(s.GetSourceTokens()))}
		fromSourceTokens(sent.Tokens, s.GetSourceTokens())
		sent.Hypotheses = []nmt.Hypothesis{{Text: s.GetTargetText(), Score: s.GetScore(), LogProb: s.GetLogProb(), Tokens: fromTokens(s.GetTargetTokens())}}
		out.Sentences[k] = sent
	}
	return out
}

// fromSourceTokens converts source tokens into dst, of the same length.
func fromSourceTokens(dst []nmt.SourceToken, ts []*translatev1.SourceToken) {
	for j, t := range ts {
		dst[j] = nmt.SourceToken{ID: int(t.GetId()), Piece: t.GetPiece(), Start: int(t.GetSpan().GetByteStart()), End: int(t.GetSpan().GetByteEnd())}
	}
}

// fromTokens converts target tokens.
func fromTokens(ts []*translatev1.Token) []nmt.Token {
	out := make([]nmt.Token, len(ts))
	for j, t := range ts {
		out[j] = fromToken(t)
	}
	return out
}

// fromToken converts a target token; an alignment row becomes a
// one-layer, one-head attention over the source tokens and the
// end-of-sentence position.
func fromToken(t *translatev1.Token) nmt.Token {
	tok := nmt.Token{ID: int(t.GetId()), Piece: t.GetPiece(), Text: t.GetText(), LogProb: t.GetLogProb()}
	if row := t.GetAlignment(); len(row) > 0 {
		eos := t.GetSourceEosWeight()
		att := make([]float32, len(row)+1)
		for j, w := range row {
			att[j] = w * (1 - eos)
		}
		att[len(row)] = eos
		tok.Attention = [][][]float32{{att}}
	}
	return tok
}
