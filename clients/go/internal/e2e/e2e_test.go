// Package e2e drives a live service with the Go client. It runs only when
// INBOUNDFLOW_E2E_ADDR names one, and then needs an operator API key in
// INBOUNDFLOW_E2E_API_KEY (scripts/clients/test.sh starts the service and
// makes the key).
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/inboundflow/webhooks/clients/go/inboundflow/webhooks/v1"
	"github.com/inboundflow/webhooks/clients/go/webhooks"
)

const (
	secret  = "go-e2e-signing-secret-0123456789"
	tricky  = "Llamó José Ñúñez 🚗🔧\nsegunda línea \"citada\" back\\slash \u001f unit sep \u2028 line sep"
	timeout = 20 * time.Second
)

// connect returns a client with the operator key, which may act for any
// organization.
func connect(t *testing.T) (*webhooks.Client, context.Context) {
	addr := liveAddr(t)
	key := os.Getenv("INBOUNDFLOW_E2E_API_KEY")
	if key == "" {
		t.Fatal("INBOUNDFLOW_E2E_API_KEY not set: the service needs an operator key " +
			"(inboundflow-webhooks keys create --role operator)")
	}
	return dial(t, addr, key), testContext(t)
}

// liveAddr is the service under test; without one the test is skipped.
func liveAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("INBOUNDFLOW_E2E_ADDR")
	if addr == "" {
		t.Skip("INBOUNDFLOW_E2E_ADDR not set: no live server to test against")
	}
	return addr
}

// dial connects to addr with key as the bearer token (none when empty).
func dial(t *testing.T, addr, key string) *webhooks.Client {
	t.Helper()
	client, err := webhooks.NewClient(addr, webhooks.Options{Insecure: true, BearerToken: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func org(name string) string {
	return fmt.Sprintf("org_go_e2e_%s_%d", name, time.Now().UnixNano())
}

var allTypes = []pb.EventType{
	pb.EventType_EVENT_TYPE_CALL_COMPLETED,
	pb.EventType_EVENT_TYPE_CALL_TRANSFERRED,
	pb.EventType_EVENT_TYPE_APPOINTMENT_BOOKED,
	pb.EventType_EVENT_TYPE_LEAD_CREATED,
}

func subscribe(t *testing.T, ctx context.Context, c *webhooks.Client, orgID, url string) *pb.Subscription {
	t.Helper()
	resp, err := c.Subscriptions.CreateSubscription(ctx, &pb.CreateSubscriptionRequest{
		OrganizationId: orgID,
		Subscription: &pb.Subscription{
			Url:         url,
			Integration: pb.Integration_INTEGRATION_CUSTOM,
			EventTypes:  allTypes,
			Description: "Go end-to-end receiver",
		},
		SigningSecret: secret,
	})
	if err != nil {
		t.Fatalf("CreateSubscription: %v", err)
	}
	return resp.GetSubscription()
}

func events(orgID string) []*pb.EmitEventRequest {
	now := time.Now().UTC()
	start, end := timestamppb.New(now.Add(-3*time.Minute)), timestamppb.New(now)
	name, phone := "José Ñúñez", "+34600111222"
	return []*pb.EmitEventRequest{
		{OrganizationId: orgID, Payload: &pb.EmitEventRequest_CallCompleted{CallCompleted: &pb.CallCompleted{
			CallId: "call_go_1", CallerName: &name, CallerPhone: &phone, Summary: ptr(tricky),
			Urgency: pb.Urgency_URGENCY_HIGH, StartedAt: start, EndedAt: end, DurationSeconds: ptr(uint32(180)),
		}}},
		{OrganizationId: orgID, Payload: &pb.EmitEventRequest_CallTransferred{CallTransferred: &pb.CallTransferred{
			CallId: "call_go_2", CallerName: &name, Summary: ptr(tricky), TransferredToLabel: ptr("Gerente 👔"),
			TransferredToNumber: ptr("+34600999888"), Urgency: pb.Urgency_URGENCY_MEDIUM,
		}}},
		{OrganizationId: orgID, Payload: &pb.EmitEventRequest_AppointmentBooked{AppointmentBooked: &pb.AppointmentBooked{
			CallId: "call_go_3", CallerName: &name, AppointmentDate: &date.Date{Year: 2026, Month: 3, Day: 14},
			AppointmentTimeStart: end, AppointmentTimeEnd: timestamppb.New(now.Add(time.Hour)), ServiceType: ptr(tricky),
		}}},
		{OrganizationId: orgID, Payload: &pb.EmitEventRequest_LeadCreated{LeadCreated: &pb.LeadCreated{
			CallId: "call_go_4", CallerName: &name, CallSummary: ptr(tricky), Interest: ptr("pintura 🎨"),
			Urgency: pb.Urgency_URGENCY_LOW,
		}}},
	}
}

func ptr[T any](v T) *T { return &v }

func reason(err error) webhooks.Reason {
	var verr *webhooks.VerifyError
	if errors.As(err, &verr) {
		return verr.Reason
	}
	return "ok"
}

// A receiver subscribed to all four event types gets each emitted event,
// signed so that the Go helper verifies it, and a delivery that failed once
// shows both attempts under one delivery id.
func TestDeliveriesVerifyWithTheGoHelper(t *testing.T) {
	client, ctx := connect(t)
	recv := newReceiver(t, secret)
	recv.failFirstAttempt("lead.created")
	orgID := org("deliveries")
	subscribe(t, ctx, client, orgID, recv.URL+"/hook")

	deliveryOf := map[string]pb.EventType{}
	for _, req := range events(orgID) {
		resp, err := client.Events.EmitEvent(ctx, req)
		if err != nil {
			t.Fatalf("EmitEvent: %v", err)
		}
		if len(resp.GetDeliveryIds()) != 1 {
			t.Fatalf("want one delivery, got %v", resp.GetDeliveryIds())
		}
		deliveryOf[resp.GetDeliveryIds()[0]] = resp.GetEvent().GetType()
	}

	// Four deliveries plus the retry of the one failed on purpose.
	got := recv.await(t, 5, timeout)
	seen := map[string]bool{}
	for _, r := range got {
		id := r.header.Get(webhooks.DeliveryIDHeader)
		if r.err != nil {
			t.Errorf("delivery %s (%s) did not verify: %v", id, r.header.Get(webhooks.EventHeader), r.err)
		}
		if _, ok := deliveryOf[id]; !ok {
			t.Errorf("unexpected delivery id %q", id)
		}
		var body struct {
			Event      string                     `json:"event"`
			DeliveryID string                     `json:"delivery_id"`
			Data       map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("body is not JSON: %v", err)
		}
		if body.DeliveryID != id || body.Event != r.header.Get(webhooks.EventHeader) {
			t.Errorf("body %s/%s disagrees with headers %s", body.Event, body.DeliveryID, id)
		}
		var caller string
		if err := json.Unmarshal(body.Data["caller_name"], &caller); err != nil || caller != "José Ñúñez" {
			t.Errorf("caller_name = %s", body.Data["caller_name"])
		}
		seen[body.Event] = true
	}
	if len(seen) != 4 {
		t.Errorf("event types received: %v", seen)
	}

	sample := got[0]
	ts, err := strconv.ParseInt(sample.header.Get(webhooks.TimestampHeader), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte{}, sample.body...)
	tampered[len(tampered)-2] ^= 1
	checks := []struct {
		name string
		err  error
		want webhooks.Reason
	}{
		{"as received", webhooks.Verify(sample.body, sample.header, []byte(secret), webhooks.VerifyOptions{}), "ok"},
		{"tampered body", webhooks.Verify(tampered, sample.header, []byte(secret), webhooks.VerifyOptions{}), webhooks.ReasonBadSignature},
		{"wrong secret", webhooks.Verify(sample.body, sample.header, []byte(secret+"x"), webhooks.VerifyOptions{}), webhooks.ReasonBadSignature},
		{"301 s later", webhooks.Verify(sample.body, sample.header, []byte(secret), webhooks.VerifyOptions{
			Now: func() time.Time { return time.Unix(ts+301, 0) },
		}), webhooks.ReasonStaleTimestamp},
	}
	for _, c := range checks {
		if got := reason(c.err); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}

	for id, typ := range deliveryOf {
		if typ == pb.EventType_EVENT_TYPE_LEAD_CREATED {
			d := awaitSettled(t, ctx, client, orgID, id)
			attempts := d.GetAttempts()
			if d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SUCCEEDED || len(attempts) != 2 || attempts[0].GetStatusCode() != 500 || attempts[1].GetStatusCode() != 200 {
				t.Errorf("lead.created: %s after %v", d.GetStatus(), attempts)
			}
		}
	}
}

// awaitSettled polls GetDelivery until the delivery succeeded or failed for good.
func awaitSettled(t *testing.T, ctx context.Context, c *webhooks.Client, orgID, id string) *pb.Delivery {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Deliveries.GetDelivery(ctx, &pb.GetDeliveryRequest{OrganizationId: orgID, DeliveryId: id})
		if err != nil {
			t.Fatalf("GetDelivery: %v", err)
		}
		d := resp.GetDelivery()
		switch d.GetStatus() {
		case pb.DeliveryStatus_DELIVERY_STATUS_SUCCEEDED, pb.DeliveryStatus_DELIVERY_STATUS_FAILED:
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %s still %s after %s", id, d.GetStatus(), timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Listing with a small page size walks every subscription exactly once.
func TestListSubscriptionsPages(t *testing.T) {
	client, ctx := connect(t)
	orgID := org("paging")
	created := map[string]bool{}
	for i := 0; i < 3; i++ {
		created[subscribe(t, ctx, client, orgID, fmt.Sprintf("https://hooks.example.com/%d", i)).GetId()] = true
	}
	listed, pages, token := map[string]bool{}, 0, ""
	for {
		resp, err := client.Subscriptions.ListSubscriptions(ctx, &pb.ListSubscriptionsRequest{
			OrganizationId: orgID, PageSize: 2, PageToken: token,
		})
		if err != nil {
			t.Fatalf("ListSubscriptions: %v", err)
		}
		pages++
		if len(resp.GetSubscriptions()) > 2 {
			t.Fatalf("page of %d", len(resp.GetSubscriptions()))
		}
		for _, s := range resp.GetSubscriptions() {
			if listed[s.GetId()] {
				t.Fatalf("%s listed twice", s.GetId())
			}
			listed[s.GetId()] = true
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 2 || len(listed) != 3 {
		t.Fatalf("pages=%d listed=%v", pages, listed)
	}
	for id := range created {
		if !listed[id] {
			t.Errorf("%s not listed", id)
		}
	}
}
