// Command quickstart shows both sides of a webhook against a running service:
// it starts a receiver that verifies signatures, subscribes it, emits a
// call.completed event and prints the verified delivery.
//
//	INBOUNDFLOW_API_KEY=… go run ./examples/quickstart -addr 127.0.0.1:50051 -insecure
//
// The API key (-api-key, or INBOUNDFLOW_API_KEY) must be an admin key of the
// organization (-org) or an operator key. The service must allow plain-HTTP
// loopback targets (--allow-private-targets) for the local receiver; real
// subscriptions use HTTPS URLs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "service address, host:port")
	insecure := flag.Bool("insecure", false, "plaintext connection (local service)")
	org := flag.String("org", "org_quickstart", "organization id")
	// The environment is the safer place for a key: a flag shows in the
	// process list and the shell history. Not the flag's default, which -h
	// would print.
	apiKey := flag.String("api-key", "", "API key, admin or operator (default: $INBOUNDFLOW_API_KEY)")
	flag.Parse()
	key := *apiKey
	if key == "" {
		key = os.Getenv("INBOUNDFLOW_API_KEY")
	}
	if key == "" {
		log.Fatal("no API key: set INBOUNDFLOW_API_KEY or pass -api-key (make one with `inboundflow-webhooks keys create`)")
	}
	if err := run(*addr, *insecure, *org, key); err != nil {
		log.Fatal(err)
	}
}

func run(addr string, insecure bool, org, apiKey string) error {
	const secret = "quickstart-secret-0123456789"
	verified := make(chan string, 1)

	// The receiver: verify the raw body before trusting anything in it.
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	receiver := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err == nil {
			err = webhooks.Verify(body, r.Header, []byte(secret), webhooks.VerifyOptions{})
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
		select {
		case verified <- string(body):
		default:
		}
	})}
	go func() { _ = receiver.Serve(listener) }()
	defer receiver.Close()

	client, err := webhooks.NewClient(addr, webhooks.Options{Insecure: insecure, BearerToken: apiKey})
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sub, err := client.Subscriptions.CreateSubscription(ctx, &pb.CreateSubscriptionRequest{
		OrganizationId: org,
		Subscription: &pb.Subscription{
			Url:         fmt.Sprintf("http://%s/webhook", listener.Addr()),
			Integration: pb.Integration_INTEGRATION_CUSTOM,
			EventTypes:  []pb.EventType{pb.EventType_EVENT_TYPE_CALL_COMPLETED},
		},
		SigningSecret: secret,
	})
	if err != nil {
		// An InvalidArgument names each bad field: a plain-HTTP loopback URL
		// is refused unless the service allows private targets.
		for _, v := range webhooks.FieldViolations(err) {
			log.Printf("%s: %s", v.Field, v.Description)
		}
		return fmt.Errorf("create subscription: %w", err)
	}
	defer func() {
		_, _ = client.Subscriptions.DeleteSubscription(context.Background(), &pb.DeleteSubscriptionRequest{
			OrganizationId: org, SubscriptionId: sub.GetSubscription().GetId(),
		})
	}()

	name, summary := "José Ñúñez", "Wants an oil change on Friday 🚗"
	emitted, err := client.Events.EmitEvent(ctx, &pb.EmitEventRequest{
		OrganizationId: org,
		Payload: &pb.EmitEventRequest_CallCompleted{CallCompleted: &pb.CallCompleted{
			CallId: "call_quickstart", CallerName: &name, Summary: &summary,
			Urgency: pb.Urgency_URGENCY_MEDIUM, EndedAt: timestamppb.Now(),
		}},
	})
	if err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	fmt.Println("emitted", emitted.GetEvent().GetId(), "deliveries", emitted.GetDeliveryIds())

	select {
	case body := <-verified:
		fmt.Println("received and verified:", body)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no verified delivery: %w", ctx.Err())
	}
}
