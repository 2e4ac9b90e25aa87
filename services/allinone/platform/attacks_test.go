package platform_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
)

// An attacker on the same host as the all-in-one platform, with no
// credentials or with one party's, tries what an open bus and an open
// store allowed: reading and forging the bus's events, minting a manager
// token for a reseller of its choosing, and reading the auth database.
func TestAnAttackerOnTheSameHost(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()

	t.Run("the bus refuses a client without credentials", func(t *testing.T) {
		nc, err := nats.Connect(s.p.NATSURL, nats.MaxReconnects(0))
		if err == nil {
			nc.Close()
			t.Fatal("connected to the embedded nats-server without a password")
		}
		if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("connect without credentials: %v, want an authorization violation", err)
		}
	})

	t.Run("the back-office may not publish auth's events nor read them", func(t *testing.T) {
		errs := make(chan error, 4)
		nc, err := nats.Connect(s.p.NATSURLFor("backoffice"), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if err := nc.Publish(subjects.ManagerTokens.Of("mtk-forged"), []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := nc.SubscribeSync(subjects.ManagerTokens.Pattern()); err != nil {
			t.Fatal(err)
		}
		_ = nc.Flush()
		for range 2 {
			select {
			case err := <-errs:
				if !errors.Is(err, nats.ErrPermissionViolation) {
					t.Errorf("got %v, want a permission violation", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no permission violation reported")
			}
		}
	})

	t.Run("a manager token forged with auth's own bus credentials is refused", func(t *testing.T) {
		// auth's NATS password is not auth's event signing key.
		bus, err := eventbus.Connect(eventbus.Config{NATSURL: s.p.NATSURLFor("auth"), Service: "auth"})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = bus.Close() }()
		chosen := "mgr_" + uuid.NewString()
		digest := sha256.Sum256([]byte(chosen))
		id := "mtk-" + uuid.NewString()[:8]
		if err := bus.Publish(context.Background(), eventbus.On(subjects.ManagerTokens, &eventsv1.ManagerTokenChanged{
			Meta: &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: id, Version: 1},
			Token: &eventsv1.ManagerToken{TokenId: id, ManagerId: "mgr-x", ResellerId: "res-bytebridge",
				Role: eventsv1.ManagerRole_MANAGER_ROLE_ADMIN, DigestSha256: hex.EncodeToString(digest[:])},
		})); err != nil {
			t.Fatal(err)
		}
		// A genuine token issued after the forgery: once the edge accepts
		// it, it has seen the forgery (one stream, in order).
		genuine := s.managerToken(t, "res-bytebridge")
		testkit.Eventually(t, 15*time.Second, func() bool {
			resp, _ := s.api(t, http.DefaultClient, "/api/accounts", "X-Api-Token", genuine)
			return resp.StatusCode == 200
		}, "the edge does not accept auth's token")
		for _, path := range []string{"/api/accounts", "/api/invoices"} {
			if resp, _ := s.api(t, http.DefaultClient, path, "X-Api-Token", chosen); resp.StatusCode != 401 {
				t.Errorf("forged token on %s: %d, want 401", path, resp.StatusCode)
			}
		}
	})

	t.Run("the store serves only clients with its certificate", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		pool := x509.NewCertPool()
		ca, err := os.ReadFile(s.p.StoreTLS.CA)
		if err != nil || !pool.AppendCertsFromPEM(ca) {
			t.Fatalf("store CA: %v", err)
		}
		list := func(tc *tls.Config) error {
			client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + s.p.MongoTLSAddr + "/").SetTLSConfig(tc).
				SetServerSelectionTimeout(3 * time.Second))
			if err != nil {
				return err
			}
			defer func() { _ = client.Disconnect(context.Background()) }()
			_, err = client.Database("auth").ListCollectionNames(ctx, bson.D{})
			return err
		}
		if err := list(&tls.Config{RootCAs: pool}); err == nil {
			t.Error("the store listed auth's collections to a client without a certificate")
		}
		cert, err := tls.LoadX509KeyPair(s.p.StoreTLS.Client, s.p.StoreTLS.Client)
		if err != nil {
			t.Fatal(err)
		}
		if err := list(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}); err != nil {
			t.Errorf("with the generated client certificate: %v", err)
		}
	})
}

// managerToken creates an admin manager of reseller and its API token
// through the admin API.
func (s *system) managerToken(t *testing.T, reseller string) string {
	t.Helper()
	var status int
	var manager map[string]any
	testkit.Eventually(t, 15*time.Second, func() bool {
		status, manager = s.admin(t, "POST", "/admin/v1/resellers/"+reseller+"/managers",
			map[string]string{"name": "Alex", "email": "alex@" + reseller + ".example", "role": "admin"})
		return status != http.StatusNotFound
	}, "auth never learnt reseller %s", reseller)
	if status != http.StatusCreated {
		t.Fatalf("create manager: %d %v", status, manager)
	}
	status, created := s.admin(t, "POST", "/admin/v1/managers/"+manager["id"].(string)+"/api-tokens", nil)
	token, _ := created["apiToken"].(string)
	if status != http.StatusCreated || token == "" {
		t.Fatalf("create API token: %d %v", status, created)
	}
	return token
}
