package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

// received is one request as the receiver saw it, with its verification.
type received struct {
	body   []byte
	header http.Header
	err    error
}

// receiver verifies every request with the Go helper and answers 500 to the
// first request of each event type in failOnce, 200 otherwise.
type receiver struct {
	*httptest.Server
	secret   []byte
	requests chan received
	mu       sync.Mutex
	failOnce map[string]bool
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{secret: []byte(secret), requests: make(chan received, 64), failOnce: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) failFirstAttempt(eventType string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failOnce[eventType] = true
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	verr := webhooks.Verify(body, req.Header, r.secret, webhooks.VerifyOptions{})
	r.requests <- received{body: body, header: req.Header.Clone(), err: verr}
	event := req.Header.Get(webhooks.EventHeader)
	r.mu.Lock()
	fail := r.failOnce[event]
	delete(r.failOnce, event)
	r.mu.Unlock()
	switch {
	case verr != nil:
		http.Error(w, verr.Error(), http.StatusUnauthorized)
	case fail:
		http.Error(w, "failing the first attempt on purpose", http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusOK)
	}
}

// await returns the next n requests, failing the test after timeout.
func (r *receiver) await(t *testing.T, n int, timeout time.Duration) []received {
	t.Helper()
	deadline := time.After(timeout)
	var got []received
	for len(got) < n {
		select {
		case req := <-r.requests:
			got = append(got, req)
		case <-deadline:
			t.Fatalf("received %d of %d requests within %s", len(got), n, timeout)
		}
	}
	return got
}
