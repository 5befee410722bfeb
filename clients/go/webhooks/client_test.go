package webhooks_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"

	webhooksv1 "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

type recordingEvents struct {
	webhooksv1.UnimplementedEventServiceServer
	authorization chan []string
}

func (s *recordingEvents) GetEvent(ctx context.Context, _ *webhooksv1.GetEventRequest) (*webhooksv1.GetEventResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.authorization <- md.Get("authorization")
	return &webhooksv1.GetEventResponse{Event: &webhooksv1.Event{Id: "evt_1"}}, nil
}

type recordingAPIKeys struct {
	webhooksv1.UnimplementedApiKeyServiceServer
	authorization chan []string
}

func (s *recordingAPIKeys) ListApiKeys(ctx context.Context, _ *webhooksv1.ListApiKeysRequest) (*webhooksv1.ListApiKeysResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.authorization <- md.Get("authorization")
	return &webhooksv1.ListApiKeysResponse{ApiKeys: []*webhooksv1.ApiKey{{Id: "key_1"}}}, nil
}

func TestBearerTokenIsSentAsAuthorizationMetadata(t *testing.T) {
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	events := &recordingEvents{authorization: make(chan []string, 1)}
	keys := &recordingAPIKeys{authorization: make(chan []string, 1)}
	webhooksv1.RegisterEventServiceServer(server, events)
	webhooksv1.RegisterApiKeyServiceServer(server, keys)
	go func() { _ = server.Serve(listener) }()
	defer server.Stop()

	client, err := webhooks.NewClient("passthrough:///bufnet", webhooks.Options{
		Insecure:    true,
		BearerToken: "key_123",
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
	resp, err := client.Events.GetEvent(ctx, &webhooksv1.GetEventRequest{OrganizationId: "org", EventId: "evt_1"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetEvent().GetId() != "evt_1" {
		t.Fatalf("got %v", resp)
	}
	if got := <-events.authorization; len(got) != 1 || got[0] != "Bearer key_123" {
		t.Fatalf("authorization metadata = %q", got)
	}

	// The API key service shares the connection, and so the token.
	keysResp, err := client.APIKeys.ListApiKeys(ctx, &webhooksv1.ListApiKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keysResp.GetApiKeys()) != 1 || keysResp.GetApiKeys()[0].GetId() != "key_1" {
		t.Fatalf("got %v", keysResp)
	}
	if got := <-keys.authorization; len(got) != 1 || got[0] != "Bearer key_123" {
		t.Fatalf("authorization metadata of ListApiKeys = %q", got)
	}
}

func TestNewClientRejectsEmptyAddress(t *testing.T) {
	if _, err := webhooks.NewClient("", webhooks.Options{}); err == nil {
		t.Fatal("want an error")
	}
}
