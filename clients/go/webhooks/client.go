package webhooks

import (
	"context"
	"crypto/tls"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	webhooksv1 "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
)

// Options says how to reach the service. The zero value means TLS with the
// system's root certificates and no API key.
type Options struct {
	// Insecure uses plaintext HTTP/2, for a service on localhost only.
	Insecure bool
	// TLS overrides the TLS settings (custom roots, client certificates).
	// Ignored when Insecure is set.
	TLS *tls.Config
	// BearerToken is the API key, sent as `authorization: Bearer <key>` on
	// every call. The service refuses every call but health checks without
	// one (Unauthenticated), and calls the key's role does not allow
	// (PermissionDenied).
	BearerToken string
	// DialOptions are appended to the options built from the fields above.
	DialOptions []grpc.DialOption
}

// Client holds one connection and a stub per service.
type Client struct {
	Subscriptions webhooksv1.SubscriptionServiceClient
	Events        webhooksv1.EventServiceClient
	Deliveries    webhooksv1.DeliveryServiceClient
	APIKeys       webhooksv1.ApiKeyServiceClient
	conn          *grpc.ClientConn
}

// NewClient connects lazily to address (`host:port`): errors in reaching the
// service surface on the first call.
func NewClient(address string, opts Options) (*Client, error) {
	if address == "" {
		return nil, errors.New("webhooks: empty address")
	}
	dial := []grpc.DialOption{}
	if opts.Insecure {
		dial = append(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		config := opts.TLS
		if config == nil {
			config = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(config)))
	}
	if opts.BearerToken != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(bearer{token: opts.BearerToken, requireTLS: !opts.Insecure}))
	}
	dial = append(dial, opts.DialOptions...)
	conn, err := grpc.NewClient(address, dial...)
	if err != nil {
		return nil, err
	}
	return &Client{
		Subscriptions: webhooksv1.NewSubscriptionServiceClient(conn),
		Events:        webhooksv1.NewEventServiceClient(conn),
		Deliveries:    webhooksv1.NewDeliveryServiceClient(conn),
		APIKeys:       webhooksv1.NewApiKeyServiceClient(conn),
		conn:          conn,
	}, nil
}

// Close releases the connection.
func (c *Client) Close() error {
	return c.conn.Close()
}

type bearer struct {
	token      string
	requireTLS bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

// RequireTransportSecurity keeps a token off plaintext connections unless
// the caller chose Insecure explicitly.
func (b bearer) RequireTransportSecurity() bool {
	return b.requireTLS
}
