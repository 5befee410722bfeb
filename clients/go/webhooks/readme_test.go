package webhooks_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

const secret = "whsec_readme"

// handle is the README's "Verify a webhook" handler, verbatim (the test below
// checks that it still is).
func handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // the raw bytes, before any JSON parsing
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest) // unverified: never 200
		return
	}
	if err := webhooks.Verify(body, r.Header, []byte(secret), webhooks.VerifyOptions{}); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized) // a *webhooks.VerifyError; its Reason: webhooks.ReasonBadSignature, …
		return
	}
	w.WriteHeader(http.StatusOK) // answer fast; de-duplicate on the X-InboundFlow-Delivery-Id header
}

// failingBody yields some bytes, then a read error, as a dropped connection does.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "{}"), nil
	}
	return 0, errors.New("connection reset")
}

func TestReadmeHandlerIsTheReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Verify a webhook\n\n```go\n")
	if !ok {
		t.Fatal(`README.md has no "## Verify a webhook" Go example`)
	}
	example, _, _ := strings.Cut(section, "```\n")
	source, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(source), example) {
		t.Fatalf("README.md's example differs from handle in readme_test.go:\n%s", example)
	}
}

func TestReadmeHandlerAnswers200OnlyWhenVerified(t *testing.T) {
	signed := func(body io.Reader) *http.Request {
		now := time.Now().Unix()
		r := httptest.NewRequest(http.MethodPost, "/webhook", body)
		r.Header.Set(webhooks.TimestampHeader, strconv.FormatInt(now, 10))
		r.Header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte(secret), now, []byte("{}")))
		return r
	}
	cases := []struct {
		name string
		req  *http.Request
		want int
	}{
		{"verified", signed(strings.NewReader("{}")), http.StatusOK},
		// The bytes read before the error alone would verify: the handler
		// must not get as far as checking them.
		{"body read fails", signed(&failingBody{}), http.StatusBadRequest},
		{"bad signature", signed(strings.NewReader("{ }")), http.StatusUnauthorized},
		{"unsigned", httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader("{}")), http.StatusUnauthorized},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		handle(w, c.req)
		if w.Code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, w.Code, c.want, strings.TrimSpace(w.Body.String()))
		}
	}
}
