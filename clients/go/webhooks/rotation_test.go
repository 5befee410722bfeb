package webhooks_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

const (
	oldSecret = "whsec_old_0123456789abcdef"
	newSecret = "whsec_new_fedcba9876543210"
)

var rotationNow = time.Unix(1709064000, 0)

// rotationPhase is the header a receiver gets at one point of a rotation from
// oldSecret to newSecret, as the service sends it.
func rotationPhase(phase string) http.Header {
	body := []byte("body")
	header := http.Header{}
	header.Set(webhooks.TimestampHeader, "1709064000")
	switch phase {
	case "before":
		header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte(oldSecret), rotationNow.Unix(), body))
	case "during":
		header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte(oldSecret), rotationNow.Unix(), body))
		header.Set(webhooks.SignatureNextHeader, webhooks.Sign([]byte(newSecret), rotationNow.Unix(), body))
	case "after":
		header.Set(webhooks.SignatureHeader, webhooks.Sign([]byte(newSecret), rotationNow.Unix(), body))
	}
	return header
}

func verifyAt(header http.Header, secret string, others ...string) string {
	opts := webhooks.VerifyOptions{Now: func() time.Time { return rotationNow }}
	for _, other := range others {
		opts.OtherSecrets = append(opts.OtherSecrets, []byte(other))
	}
	return reasonOf(webhooks.Verify([]byte("body"), header, []byte(secret), opts))
}

func TestAReceiverGivenBothSecretsVerifiesThroughoutARotation(t *testing.T) {
	for _, phase := range []string{"before", "during", "after"} {
		header := rotationPhase(phase)
		if got := verifyAt(header, oldSecret, newSecret); got != "ok" {
			t.Errorf("%s, old then new: %s", phase, got)
		}
		if got := verifyAt(header, newSecret, oldSecret); got != "ok" {
			t.Errorf("%s, new then old: %s", phase, got)
		}
	}
}

func TestAReceiverGivenOneSecretVerifiesWhileTheServiceSignsWithIt(t *testing.T) {
	want := map[string]map[string]string{
		oldSecret: {"before": "ok", "during": "ok", "after": "bad_signature"},
		newSecret: {"before": "bad_signature", "during": "ok", "after": "ok"},
	}
	for secret, phases := range want {
		for phase, expected := range phases {
			if got := verifyAt(rotationPhase(phase), secret); got != expected {
				t.Errorf("%s with %s: got %s, want %s", phase, secret, got, expected)
			}
		}
	}
}

// A header map built by hand or by another framework may spell the name in
// any case; net/http's canonical form is X-Inboundflow-Signature-Next.
func TestSignatureNextHeaderIsFoundInAnyCase(t *testing.T) {
	next := webhooks.Sign([]byte(newSecret), rotationNow.Unix(), []byte("body"))
	for _, name := range []string{"x-inboundflow-signature-next", "X-INBOUNDFLOW-SIGNATURE-NEXT", http.CanonicalHeaderKey(webhooks.SignatureNextHeader)} {
		header := http.Header{"x-inboundflow-timestamp": {"1709064000"}, name: {next}}
		if got := verifyAt(header, newSecret); got != "ok" {
			t.Errorf("%s: %s", name, got)
		}
	}
}

func TestAMalformedSignatureNextHeaderIsNamed(t *testing.T) {
	next := webhooks.Sign([]byte(newSecret), rotationNow.Unix(), []byte("body"))
	for _, values := range [][]string{{"sha256=nope"}, {next, next}} {
		header := rotationPhase("before")
		header[webhooks.SignatureNextHeader] = values
		err := webhooks.Verify([]byte("body"), header, []byte(oldSecret), webhooks.VerifyOptions{Now: func() time.Time { return rotationNow }})
		var verr *webhooks.VerifyError
		if !errors.As(err, &verr) || verr.Reason != webhooks.ReasonMalformedSignature || verr.Header != webhooks.SignatureNextHeader {
			t.Fatalf("%q: got %v", values, err)
		}
		if !strings.Contains(err.Error(), "malformed X-InboundFlow-Signature-Next header") {
			t.Fatalf("message %q does not name the header", err)
		}
	}
}

func TestWithNoSignatureHeaderTheMissingOneIsTheSignature(t *testing.T) {
	header := http.Header{}
	header.Set(webhooks.TimestampHeader, "1709064000")
	err := webhooks.Verify([]byte("body"), header, []byte(oldSecret), webhooks.VerifyOptions{
		Now:          func() time.Time { return rotationNow },
		OtherSecrets: [][]byte{[]byte(newSecret)},
	})
	var verr *webhooks.VerifyError
	if !errors.As(err, &verr) || verr.Reason != webhooks.ReasonMissingHeader || verr.Header != webhooks.SignatureHeader {
		t.Fatalf("got %v", err)
	}
}
