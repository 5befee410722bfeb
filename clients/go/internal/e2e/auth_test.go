package e2e

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
)

// A call without an API key is refused before it reaches the service.
func TestCallWithoutKeyIsUnauthenticated(t *testing.T) {
	operator, ctx := connect(t)
	anonymous := dial(t, liveAddr(t), "")
	orgID := org("nokey")
	// The organization exists and has a subscription, so only the missing
	// key can explain a refusal.
	subscribe(t, ctx, operator, orgID, "https://hooks.example.com/nokey")

	_, err := anonymous.Subscriptions.ListSubscriptions(ctx, &pb.ListSubscriptionsRequest{OrganizationId: orgID})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("ListSubscriptions without a key: got %v, want Unauthenticated", err)
	}
	_, err = anonymous.Events.EmitEvent(ctx, &pb.EmitEventRequest{
		OrganizationId: orgID,
		Payload:        &pb.EmitEventRequest_LeadCreated{LeadCreated: &pb.LeadCreated{CallId: "call_go_nokey"}},
	})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("EmitEvent without a key: got %v, want Unauthenticated", err)
	}
}

// An emitter key made through the API key service emits for its own
// organization (named or left empty) and may not read its subscriptions.
func TestEmitterKeyEmitsButCannotListSubscriptions(t *testing.T) {
	operator, ctx := connect(t)
	orgID := org("emitter")
	created, err := operator.APIKeys.CreateApiKey(ctx, &pb.CreateApiKeyRequest{
		OrganizationId: orgID,
		ApiKey:         &pb.ApiKey{Role: pb.ApiKeyRole_API_KEY_ROLE_EMITTER, Name: "Go end-to-end emitter"},
	})
	if err != nil {
		t.Fatalf("CreateApiKey: %v", err)
	}
	record := created.GetApiKey()
	if created.GetKey() == "" || record.GetOrganizationId() != orgID || record.GetRole() != pb.ApiKeyRole_API_KEY_ROLE_EMITTER {
		t.Fatalf("CreateApiKey returned key %t, record %v", created.GetKey() != "", record)
	}
	emitter := dial(t, liveAddr(t), created.GetKey())

	for _, named := range []string{orgID, ""} {
		resp, err := emitter.Events.EmitEvent(ctx, &pb.EmitEventRequest{
			OrganizationId: named,
			Payload:        &pb.EmitEventRequest_LeadCreated{LeadCreated: &pb.LeadCreated{CallId: "call_go_emitter"}},
		})
		if err != nil {
			t.Fatalf("EmitEvent naming %q with the emitter key: %v", named, err)
		}
		if got := resp.GetEvent().GetOrganizationId(); got != orgID {
			t.Fatalf("EmitEvent naming %q: event of organization %q, want %q", named, got, orgID)
		}
	}

	_, err = emitter.Subscriptions.ListSubscriptions(ctx, &pb.ListSubscriptionsRequest{OrganizationId: orgID})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("ListSubscriptions with the emitter key: got %v, want PermissionDenied", err)
	}
}
