package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery, as sent by the service. SignatureNextHeader is
// sent only during a signing secret rotation's grace period: it holds the
// signature made with the new secret, while SignatureHeader keeps the one made
// with the old secret.
const (
	TimestampHeader     = "X-InboundFlow-Timestamp"
	SignatureHeader     = "X-InboundFlow-Signature"
	SignatureNextHeader = "X-InboundFlow-Signature-Next"
	EventHeader         = "X-InboundFlow-Event"
	DeliveryIDHeader    = "X-InboundFlow-Delivery-Id"
)

// DefaultTolerance is how far the signed timestamp may be from now before a
// delivery is treated as a replay.
const DefaultTolerance = 300 * time.Second

// Reason says why a delivery was rejected; the values match the `expected`
// field of tests/vectors.
type Reason string

const (
	ReasonMissingHeader      Reason = "missing_header"
	ReasonMalformedTimestamp Reason = "malformed_timestamp"
	ReasonMalformedSignature Reason = "malformed_signature"
	ReasonStaleTimestamp     Reason = "stale_timestamp"
	ReasonBadSignature       Reason = "bad_signature"
)

// VerifyError is the error Verify returns; test its Reason with errors.As.
type VerifyError struct {
	Reason Reason
	// Header is the missing header, for ReasonMissingHeader (SignatureHeader
	// when neither signature header was sent), or the malformed signature
	// header, for ReasonMalformedSignature.
	Header string
	// AgeSeconds is now minus the signed timestamp, for ReasonStaleTimestamp.
	AgeSeconds int64
	// ToleranceSeconds is the tolerance in force, for ReasonStaleTimestamp.
	ToleranceSeconds int64
}

func (e *VerifyError) Error() string {
	switch e.Reason {
	case ReasonMissingHeader:
		return "missing " + e.Header + " header"
	case ReasonMalformedTimestamp:
		return "malformed " + TimestampHeader + " header: expected unix seconds"
	case ReasonMalformedSignature:
		name := e.Header
		if name == "" {
			name = SignatureHeader
		}
		return "malformed " + name + " header: expected exactly one sha256=<64 hex digits>"
	case ReasonStaleTimestamp:
		return fmt.Sprintf("timestamp is %ds away from now, beyond the %ds tolerance", e.AgeSeconds, e.ToleranceSeconds)
	default:
		return "signature does not match"
	}
}

// VerifyOptions tunes Verify; the zero value means the defaults.
type VerifyOptions struct {
	// Tolerance for the timestamp; 0 means DefaultTolerance.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// OtherSecrets are accepted as well as Verify's secret: during a signing
	// secret rotation, pass the new secret to Verify and the old one here
	// (either way round works), and every delivery verifies before, during
	// and after the rotation.
	OtherSecrets [][]byte
}

// Sign returns the X-InboundFlow-Signature value for a body sent at timestamp
// (unix seconds): what the service sends, for receivers' own tests.
func Sign(secret []byte, timestamp int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(timestamp, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a received delivery: body must be the raw request body (not
// re-encoded JSON), header the request's headers (names in any case) and
// secret the subscription's signing secret. It returns nil when the signature
// matches and the timestamp is within the tolerance, else a *VerifyError; it
// never panics on bad input.
//
// A delivery verifies when secret or any of opts.OtherSecrets matches either
// SignatureHeader or SignatureNextHeader. Every signature header present
// must be well-formed, and at least one must be present.
//
// The Python and TypeScript clients' verify take the same inputs and options
// and fail with the same reasons.
func Verify(body []byte, header http.Header, secret []byte, opts VerifyOptions) error {
	timestamps := headerValues(header, TimestampHeader)
	if len(timestamps) == 0 {
		return &VerifyError{Reason: ReasonMissingHeader, Header: TimestampHeader}
	}
	signatures := headerValues(header, SignatureHeader)
	nextSignatures := headerValues(header, SignatureNextHeader)
	if len(signatures) == 0 && len(nextSignatures) == 0 {
		return &VerifyError{Reason: ReasonMissingHeader, Header: SignatureHeader}
	}
	if len(timestamps) > 1 {
		return &VerifyError{Reason: ReasonMalformedTimestamp}
	}
	// ParseInt with base 10 takes exactly an optional sign and digits, within
	// int64, as the service's own verifier does.
	timestamp, err := strconv.ParseInt(strings.TrimSpace(timestamps[0]), 10, 64)
	if err != nil {
		return &VerifyError{Reason: ReasonMalformedTimestamp}
	}
	received := make([][]byte, 0, 2)
	for _, h := range []struct {
		name   string
		values []string
	}{{SignatureHeader, signatures}, {SignatureNextHeader, nextSignatures}} {
		if len(h.values) == 0 {
			continue
		}
		// Two signatures, whether in one header or two, are malformed: the
		// service never sends more than one per header name.
		if len(h.values) > 1 {
			return &VerifyError{Reason: ReasonMalformedSignature, Header: h.name}
		}
		signature, ok := parseSignature(h.values[0])
		if !ok {
			return &VerifyError{Reason: ReasonMalformedSignature, Header: h.name}
		}
		received = append(received, signature)
	}
	tolerance := opts.Tolerance
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	age := saturatingSub(now().Unix(), timestamp)
	toleranceSeconds := int64(tolerance / time.Second)
	if age > toleranceSeconds || age < -toleranceSeconds {
		return &VerifyError{Reason: ReasonStaleTimestamp, AgeSeconds: age, ToleranceSeconds: toleranceSeconds}
	}
	if !anyMatches(append([][]byte{secret}, opts.OtherSecrets...), timestamp, body, received) {
		return &VerifyError{Reason: ReasonBadSignature}
	}
	return nil
}

// anyMatches compares every secret's MAC with every received signature, in
// constant time and without stopping at the first match, so the time taken
// does not tell which secret or header matched.
func anyMatches(secrets [][]byte, timestamp int64, body []byte, received [][]byte) bool {
	matched := false
	for _, secret := range secrets {
		expected := mac(secret, timestamp, body)
		for _, signature := range received {
			matched = hmac.Equal(expected, signature) || matched
		}
	}
	return matched
}

// headerValues collects every value of the header name. net/http
// canonicalizes the names it parses, but a header built by hand, or by
// another framework, may not be: so every key is compared, ignoring case.
func headerValues(header http.Header, name string) []string {
	var values []string
	for key, vs := range header {
		if strings.EqualFold(key, name) {
			values = append(values, vs...)
		}
	}
	return values
}

func parseSignature(value string) ([]byte, bool) {
	digits, found := strings.CutPrefix(strings.TrimSpace(value), "sha256=")
	if !found || len(digits) != 2*sha256.Size {
		return nil, false
	}
	received, err := hex.DecodeString(digits)
	return received, err == nil
}

func saturatingSub(a, b int64) int64 {
	d := a - b
	// Overflow happened when the operands' signs differ and the result's sign
	// is not a's.
	if (a >= 0) != (b >= 0) && (d >= 0) != (a >= 0) {
		if a >= 0 {
			return 1<<63 - 1
		}
		return -1 << 63
	}
	return d
}
