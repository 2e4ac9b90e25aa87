package infra_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/infra"
	"github.com/resellerapi/platform/pkg/testkit"
)

func TestOpenProvisionsStreamsAndReportsReadiness(t *testing.T) {
	kit := testkit.Start(t)
	in, err := infra.Open(context.Background(), "catalog", infra.Config{NATSURL: kit.NATSURL, MongoURI: kit.MongoURI, Database: "catalog"},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	select {
	case <-in.Running():
	case <-time.After(10 * time.Second):
		t.Fatal("not running")
	}

	for name, check := range in.Checks() {
		if err := check(context.Background()); err != nil {
			t.Errorf("check %s: %v", name, err)
		}
	}
	nc, err := nats.Connect(kit.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()
	for _, s := range subjects.Streams() {
		if _, err := js.StreamInfo(s.Name); err != nil {
			t.Errorf("stream %s: %v", s.Name, err)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := in.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := in.Checks()["mongodb"](context.Background()); err == nil {
		t.Error("mongodb check passes after Close")
	}
}

func TestOpenFailsClearlyWithoutNATS(t *testing.T) {
	kit := testkit.Start(t)
	_, err := infra.Open(context.Background(), "catalog", infra.Config{NATSURL: "nats://127.0.0.1:1", MongoURI: kit.MongoURI, Database: "catalog"},
		slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err == nil {
		t.Fatal("Open succeeded without NATS")
	}
}
