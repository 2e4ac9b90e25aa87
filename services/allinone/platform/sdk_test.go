package platform_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/testkit"
	resellerapi "github.com/resellerapi/platform/sdk/go"
	"github.com/resellerapi/platform/sdk/go/api"
)

// TestTheGoSDKOnThePlatform drives the Go SDK against the all-in-one with
// the demo data: each way to authenticate, every iterator across pages,
// typed errors, then the SDK's runnable examples (their Output checked by
// go test) against the same platform.
func TestTheGoSDKOnThePlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	s.activate(t)
	s.createUser(t, "res-cloudnova", "cloudnova-sdk", "Sdk-Secret-2026")
	_, creds := s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-credentials", nil)
	key, secret := creds["clientKey"].(string), creds["clientSecret"].(string)
	ctx := context.Background()

	tokens, err := resellerapi.PasswordLogin(ctx, resellerapi.TokenURL(s.p.URL), key, secret, "cloudnova-sdk", "Sdk-Secret-2026")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resellerapi.PasswordLogin(ctx, resellerapi.TokenURL(s.p.URL), key, secret, "cloudnova-sdk", "wrong"); err == nil {
		t.Error("a wrong password signed in")
	}
	client, err := resellerapi.New(s.p.URL, resellerapi.WithTokenSource(tokens))
	if err != nil {
		t.Fatal(err)
	}

	// Five a page: the iterator follows the cursor over three pages.
	five := 5
	count := func() (ids []string) {
		for a, err := range client.Accounts(ctx, api.ListAccountsParams{PageSize: &five}) {
			if err != nil {
				t.Fatal(err)
			}
			if a.ResellerId != "res-cloudnova" {
				t.Errorf("account %s of %s", a.Id, a.ResellerId)
			}
			ids = append(ids, a.Id)
		}
		return ids
	}
	testkit.Eventually(t, 15*time.Second, func() bool { return len(count()) == 12 }, "the SDK never walked the demo's 12 accounts")
	if ids := count(); len(uniq(ids)) != 12 {
		t.Errorf("walk repeated accounts: %v", ids)
	}

	var invoices int
	var walkErr error
	testkit.Eventually(t, 15*time.Second, func() bool {
		invoices, walkErr = 0, nil
		for _, err := range client.Invoices(ctx, api.ListInvoicesParams{PageSize: &five}) {
			if err != nil {
				walkErr = err
				return false
			}
			invoices++
		}
		return invoices == 4
	}, "the SDK never walked the demo's 4 invoices of res-cloudnova")
	if walkErr != nil {
		t.Fatal(walkErr)
	}
	var products int
	for p, err := range client.Products(ctx, api.ListProductsParams{PageSize: &five}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Prices) == 0 {
			t.Errorf("product %s without prices", p.Id)
		}
		products++
	}
	if products == 0 {
		t.Error("no products walked")
	}
	pdf, err := client.InvoicePDF(ctx, "inv-cn-2026-10b")
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("invoice PDF: %v %.10q", err, pdf)
	}

	// Another reseller's account is a typed 404 with its problem document.
	_, err = client.Account(ctx, "acc-bb-001")
	var apiErr *resellerapi.Error
	if !resellerapi.IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.Problem == nil || apiErr.CorrelationID == "" {
		t.Errorf("another reseller's account: %#v", err)
	}
	if _, err := client.Reseller(ctx, "res-bytebridge"); !resellerapi.IsNotFound(err) || !errors.As(err, &apiErr) || apiErr.JSONAPI == nil {
		t.Errorf("another reseller's profile: %#v", err)
	}

	// A manager token walks the reseller tree by page[cursor], one a page.
	manager, err := resellerapi.New(s.p.URL, resellerapi.WithManagerToken(s.managerToken(t, "res-cloudnova")))
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	var resellers []string
	testkit.Eventually(t, 15*time.Second, func() bool {
		resellers = resellers[:0]
		for r, err := range manager.Resellers(ctx, api.ListResellersParams{PageSize: &one}) {
			if err != nil {
				return false
			}
			resellers = append(resellers, r.Id)
		}
		return len(resellers) == 3
	}, "manager walked resellers %v", resellers)
	if strings.Join(resellers, " ") != "res-cloudnova-cy res-cloudnova res-limassol-it" {
		t.Errorf("resellers by name: %v", resellers)
	}

	// A service client's client_credentials token source.
	status, svc := s.admin(t, "POST", "/admin/v1/resellers/res-cloudnova/service-clients", map[string]string{"name": "SDK sync"})
	if status != http.StatusCreated {
		t.Fatalf("create service client: %d %v", status, svc)
	}
	service, _ := resellerapi.New(s.p.URL, resellerapi.WithTokenSource(
		resellerapi.ClientCredentials(ctx, resellerapi.TokenURL(s.p.URL), svc["clientKey"].(string), svc["clientSecret"].(string))))
	if a, err := service.Account(ctx, "acc-cn-001"); err != nil || a.Id != "acc-cn-001" {
		t.Errorf("service client: %v %v", a, err)
	}

	// The examples, as a reseller's developer runs them.
	cmd := exec.Command("go", "test", "-count=1", "-tags", "platform", "-run", "^Example", ".")
	cmd.Dir = filepath.Join("..", "..", "..", "sdk", "go")
	cmd.Env = append(os.Environ(),
		"RESELLERAPI_URL="+s.p.URL, "RESELLERAPI_CLIENT_KEY="+key, "RESELLERAPI_CLIENT_SECRET="+secret,
		"RESELLERAPI_USERNAME=cloudnova-sdk", "RESELLERAPI_PASSWORD=Sdk-Secret-2026",
		"RESELLERAPI_MANAGER_TOKEN="+s.managerToken(t, "res-cloudnova"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the SDK's examples against the platform: %v\n%s", err, out)
	}
}

func uniq(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}
