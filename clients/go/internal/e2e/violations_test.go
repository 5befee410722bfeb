package e2e

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

// A subscription the service refuses says which field was wrong, readable
// with FieldViolations alone.
func TestRefusedSubscriptionNamesTheBadField(t *testing.T) {
	client, ctx := connect(t)
	_, err := client.Subscriptions.CreateSubscription(ctx, &pb.CreateSubscriptionRequest{
		OrganizationId: org("violations"),
		Subscription: &pb.Subscription{
			Url:         "ftp://hooks.example.com/webhook",
			Integration: pb.Integration_INTEGRATION_CUSTOM,
			EventTypes:  allTypes,
		},
		SigningSecret: secret,
	})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("CreateSubscription with an ftp URL: got %v, want InvalidArgument", err)
	}
	violations := webhooks.FieldViolations(err)
	if len(violations) != 1 || violations[0].Field != "subscription.url" || violations[0].Description != "must use https" {
		t.Fatalf("FieldViolations = %+v, want one on subscription.url", violations)
	}
}
