package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	webhooksv1 "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

// refusingSubscriptions answers CreateSubscription as the service answers a
// request with two bad fields.
type refusingSubscriptions struct {
	webhooksv1.UnimplementedSubscriptionServiceServer
}

func (refusingSubscriptions) CreateSubscription(context.Context, *webhooksv1.CreateSubscriptionRequest) (*webhooksv1.CreateSubscriptionResponse, error) {
	st, err := status.New(codes.InvalidArgument, "invalid request").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "subscription.url", Description: "must use https"},
			{Field: "subscription.event_types", Description: "is required"},
		},
	})
	if err != nil {
		return nil, err
	}
	return nil, st.Err()
}

func TestFieldViolationsDecodeTheStatusDetailsOfARefusedCall(t *testing.T) {
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	webhooksv1.RegisterSubscriptionServiceServer(server, refusingSubscriptions{})
	go func() { _ = server.Serve(listener) }()
	defer server.Stop()
	client, err := webhooks.NewClient("passthrough:///bufnet", webhooks.Options{
		Insecure: true,
		DialOptions: []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return listener.DialContext(ctx)
		})},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err = client.Subscriptions.CreateSubscription(ctx, &webhooksv1.CreateSubscriptionRequest{})
	want := []webhooks.FieldViolation{
		{Field: "subscription.url", Description: "must use https"},
		{Field: "subscription.event_types", Description: "is required"},
	}
	if got := webhooks.FieldViolations(err); !reflect.DeepEqual(got, want) {
		t.Fatalf("FieldViolations(%v) = %v, want %v", err, got, want)
	}
	// Callers wrap errors on their way up; the violations stay readable.
	wrapped := fmt.Errorf("create subscription: %w", err)
	if got := webhooks.FieldViolations(wrapped); !reflect.DeepEqual(got, want) {
		t.Fatalf("FieldViolations(wrapped) = %v, want %v", got, want)
	}
}

func TestFieldViolationsOfOtherErrorsAreNone(t *testing.T) {
	for name, err := range map[string]error{
		"nil":                nil,
		"not a gRPC status":  errors.New("connection refused"),
		"status, no details": status.Error(codes.PermissionDenied, "not allowed"),
	} {
		if got := webhooks.FieldViolations(err); got != nil {
			t.Errorf("%s: got %v, want nil", name, got)
		}
	}
}
