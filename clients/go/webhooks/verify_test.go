package webhooks_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

type vector struct {
	Name            string  `json:"name"`
	Secret          string  `json:"secret"`
	Body            string  `json:"body"`
	TimestampHeader *string `json:"timestamp_header"`
	SignatureHeader *string `json:"signature_header"`
	// SignatureNextHeader and OtherSecrets are absent outside rotation cases.
	SignatureNextHeader *string  `json:"signature_next_header"`
	OtherSecrets        []string `json:"other_secrets"`
	Now                 int64    `json:"now"`
	ToleranceSeconds    int64    `json:"tolerance_seconds"`
	Expected            string   `json:"expected"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	path := os.Getenv("INBOUNDFLOW_VECTORS")
	if path == "" {
		path = filepath.Join("..", "..", "..", "tests", "vectors", "signatures.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var doc struct {
		Cases []vector `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parsing vectors: %v", err)
	}
	if len(doc.Cases) == 0 {
		t.Fatal("no vectors")
	}
	return doc.Cases
}

func reasonOf(err error) string {
	if err == nil {
		return "ok"
	}
	var verr *webhooks.VerifyError
	if errors.As(err, &verr) {
		return string(verr.Reason)
	}
	return "unexpected: " + err.Error()
}

func TestVerifyMatchesSharedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			header := http.Header{}
			if v.TimestampHeader != nil {
				header.Set(webhooks.TimestampHeader, *v.TimestampHeader)
			}
			if v.SignatureHeader != nil {
				header.Set(webhooks.SignatureHeader, *v.SignatureHeader)
			}
			if v.SignatureNextHeader != nil {
				header.Set(webhooks.SignatureNextHeader, *v.SignatureNextHeader)
			}
			var others [][]byte
			for _, s := range v.OtherSecrets {
				others = append(others, []byte(s))
			}
			err := webhooks.Verify([]byte(v.Body), header, []byte(v.Secret), webhooks.VerifyOptions{
				Tolerance:    time.Duration(v.ToleranceSeconds) * time.Second,
				Now:          func() time.Time { return time.Unix(v.Now, 0) },
				OtherSecrets: others,
			})
			if got := reasonOf(err); got != v.Expected {
				t.Fatalf("got %s (%v), want %s", got, err, v.Expected)
			}
		})
	}
}

func TestSignMatchesSharedVectors(t *testing.T) {
	signed := 0
	for _, v := range loadVectors(t) {
		// A rotation case's signature may be made with another of its secrets.
		if v.Expected != "ok" || v.SignatureNextHeader != nil || len(v.OtherSecrets) > 0 ||
			*v.SignatureHeader != strings.ToLower(strings.TrimSpace(*v.SignatureHeader)) ||
			*v.TimestampHeader != strings.TrimSpace(*v.TimestampHeader) {
			continue
		}
		var ts int64
		if err := json.Unmarshal([]byte(*v.TimestampHeader), &ts); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if got := webhooks.Sign([]byte(v.Secret), ts, []byte(v.Body)); got != *v.SignatureHeader {
			t.Errorf("%s: Sign = %s, want %s", v.Name, got, *v.SignatureHeader)
		}
		signed++
	}
	if signed < 5 {
		t.Fatalf("only %d signing vectors", signed)
	}
}

func TestMissingHeaderNamesTheHeader(t *testing.T) {
	header := http.Header{}
	header.Set(webhooks.TimestampHeader, "100")
	err := webhooks.Verify([]byte("body"), header, []byte("secret"), webhooks.VerifyOptions{})
	var verr *webhooks.VerifyError
	if !errors.As(err, &verr) || verr.Header != webhooks.SignatureHeader {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "X-InboundFlow-Signature") {
		t.Fatalf("message %q does not name the header", err)
	}
}

func TestTwoSignatureHeadersAreMalformed(t *testing.T) {
	now := time.Unix(1709064000, 0)
	sig := webhooks.Sign([]byte("secret"), now.Unix(), []byte("body"))
	header := http.Header{}
	header.Set(webhooks.TimestampHeader, "1709064000")
	header.Add(webhooks.SignatureHeader, sig)
	header.Add(webhooks.SignatureHeader, sig)
	err := webhooks.Verify([]byte("body"), header, []byte("secret"), webhooks.VerifyOptions{Now: func() time.Time { return now }})
	if reasonOf(err) != "malformed_signature" {
		t.Fatalf("got %v", err)
	}
}

func TestDefaultToleranceIsFiveMinutes(t *testing.T) {
	header := http.Header{}
	header.Set(webhooks.TimestampHeader, "1000")
	header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte("secret"), 1000, nil))
	at := func(now int64) error {
		return webhooks.Verify(nil, header, []byte("secret"), webhooks.VerifyOptions{Now: func() time.Time { return time.Unix(now, 0) }})
	}
	if err := at(1300); err != nil {
		t.Fatalf("300 s: %v", err)
	}
	var verr *webhooks.VerifyError
	if err := at(1301); !errors.As(err, &verr) || verr.Reason != webhooks.ReasonStaleTimestamp || verr.AgeSeconds != 301 {
		t.Fatalf("301 s: %v", err)
	}
}

// net/http canonicalizes the header names it parses, but a header map built
// by hand or by another framework may hold them in any case.
func TestHeaderNamesAreMatchedInAnyCase(t *testing.T) {
	now := time.Unix(1709064000, 0)
	sig := webhooks.Sign([]byte("secret"), now.Unix(), []byte("body"))
	opts := webhooks.VerifyOptions{Now: func() time.Time { return now }}
	for _, header := range []http.Header{
		{"x-inboundflow-timestamp": {"1709064000"}, "x-inboundflow-signature": {sig}},
		{"X-INBOUNDFLOW-TIMESTAMP": {"1709064000"}, "X-InboundFlow-Signature": {sig}},
	} {
		if err := webhooks.Verify([]byte("body"), header, []byte("secret"), opts); err != nil {
			t.Errorf("%v: %v", header, err)
		}
	}
	// The same header under two spellings is two values: malformed.
	twice := http.Header{"X-Inboundflow-Timestamp": {"1709064000"}, "X-Inboundflow-Signature": {sig}, "x-inboundflow-signature": {sig}}
	if got := reasonOf(webhooks.Verify([]byte("body"), twice, []byte("secret"), opts)); got != "malformed_signature" {
		t.Errorf("two spellings: got %s", got)
	}
}
