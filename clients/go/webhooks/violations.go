package webhooks

import (
	// Registers google.rpc.BadRequest, so that status.Details decodes it here
	// and in the caller's code alike.
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/status"
)

// FieldViolation is one invalid field of a refused request.
type FieldViolation struct {
	// Field is the field's path in the request, such as "subscription.url"
	// or "events[2].idempotency_key".
	Field string
	// Description says what is wrong with it, such as "must use https".
	Description string
}

// FieldViolations returns the fields that made the service refuse a call
// with InvalidArgument: the google.rpc.BadRequest details of err's gRPC
// status, in the order the service listed them. err may be wrapped (fmt.Errorf
// with %w). It returns nil for a nil error, an error that is not a gRPC
// status, or a status without field violations.
func FieldViolations(err error) []FieldViolation {
	st, ok := status.FromError(err)
	if !ok || st == nil {
		return nil
	}
	var violations []FieldViolation
	for _, detail := range st.Details() {
		badRequest, ok := detail.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range badRequest.GetFieldViolations() {
			violations = append(violations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
		}
	}
	return violations
}
