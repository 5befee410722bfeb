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

// Header names of a delivery, as sent by the service.
const (
	TimestampHeader  = "X-InboundFlow-Timestamp"
	SignatureHeader  = "X-InboundFlow-Signature"
	EventHeader      = "X-InboundFlow-Event"
	DeliveryIDHeader = "X-InboundFlow-Delivery-Id"
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
	// Header is the missing header, for ReasonMissingHeader.
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
		return "malformed " + SignatureHeader + " header: expected exactly one sha256=<64 hex digits>"
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
// The Python and TypeScript clients' verify take the same inputs and options
// and fail with the same reasons.
func Verify(body []byte, header http.Header, secret []byte, opts VerifyOptions) error {
	timestamps := headerValues(header, TimestampHeader)
	if len(timestamps) == 0 {
		return &VerifyError{Reason: ReasonMissingHeader, Header: TimestampHeader}
	}
	signatures := headerValues(header, SignatureHeader)
	if len(signatures) == 0 {
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
	// Two signatures, whether in one header or two, are malformed: the
	// service never sends more than one.
	if len(signatures) > 1 {
		return &VerifyError{Reason: ReasonMalformedSignature}
	}
	received, ok := parseSignature(signatures[0])
	if !ok {
		return &VerifyError{Reason: ReasonMalformedSignature}
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
	if !hmac.Equal(mac(secret, timestamp, body), received) {
		return &VerifyError{Reason: ReasonBadSignature}
	}
	return nil
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
