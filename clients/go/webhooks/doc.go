// Package webhooks is the Go client of InboundFlow Webhooks: NewClient reaches
// the gRPC API (subscriptions, events, deliveries, API keys; the generated
// types live in package webhooksv1), and Verify checks a received webhook's signature.
//
// A delivery is signed as `sha256=` + lowercase hex HMAC-SHA256, keyed by the
// subscription's signing secret (UTF-8), over "{X-InboundFlow-Timestamp}.{raw body}".
package webhooks
