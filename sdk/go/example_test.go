//go:build platform

// The examples call a running platform: the all-in-one's end-to-end test
// (TestTheGoSDKOnThePlatform) starts one with the demo data, signs up the
// environment below and runs them with `go test -tags platform`.
//
//	RESELLERAPI_URL                    https://api.example.com
//	RESELLERAPI_CLIENT_KEY / _SECRET   the reseller's Reseller API credentials
//	RESELLERAPI_USERNAME / _PASSWORD   an Application User of that reseller
//	RESELLERAPI_MANAGER_TOKEN          a manager's API token (role admin)
package resellerapi_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	resellerapi "github.com/resellerapi/platform/sdk/go"
	"github.com/resellerapi/platform/sdk/go/api"
)

// signIn is the client of the first example, shared by the others.
func signIn(ctx context.Context) *resellerapi.Client {
	base := os.Getenv("RESELLERAPI_URL")
	tokens, err := resellerapi.PasswordLogin(ctx, resellerapi.TokenURL(base),
		os.Getenv("RESELLERAPI_CLIENT_KEY"), os.Getenv("RESELLERAPI_CLIENT_SECRET"),
		os.Getenv("RESELLERAPI_USERNAME"), os.Getenv("RESELLERAPI_PASSWORD"))
	if err != nil {
		log.Fatal(err)
	}
	client, err := resellerapi.New(base, resellerapi.WithTokenSource(tokens))
	if err != nil {
		log.Fatal(err)
	}
	return client
}

// The seed's first flow: an Application User signs in with the password
// grant and reads its reseller's end customers, every page of them.
func ExamplePasswordLogin() {
	ctx := context.Background()
	client := signIn(ctx)
	var names []string
	for account, err := range client.Accounts(ctx, api.ListAccountsParams{}) {
		if err != nil {
			log.Fatal(err)
		}
		names = append(names, account.Name)
	}
	fmt.Println(len(names), "accounts, first", names[0])
	// Output: 12 accounts, first Acropolis Bakery
}

// A nightly export: every invoice changed since the last run, by cursor,
// so that nothing changing during the walk is skipped.
func ExampleClient_Invoices() {
	ctx := context.Background()
	client := signIn(ctx)
	since, updatedAt := time.Now().AddDate(-10, 0, 0), api.ListInvoicesParamsSortUpdatedAt
	var numbers []string
	for invoice, err := range client.Invoices(ctx, api.ListInvoicesParams{UpdatedSince: &since, Sort: &updatedAt}) {
		if err != nil {
			log.Fatal(err)
		}
		numbers = append(numbers, invoice.Number)
	}
	slices.Sort(numbers)
	fmt.Println(strings.Join(numbers, " "))
	// Output:
	// CN-2026-0008 CN-2026-0009 CN-2026-0010 CN-2026-0011
}

// An invoice with its lines, and its PDF.
func ExampleClient_InvoicePDF() {
	ctx := context.Background()
	client := signIn(ctx)
	for summary, err := range client.Invoices(ctx, api.ListInvoicesParams{}) {
		if err != nil {
			log.Fatal(err)
		}
		invoice, err := client.Invoice(ctx, summary.Id)
		if err != nil {
			log.Fatal(err)
		}
		pdf, err := client.InvoicePDF(ctx, invoice.Id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(invoice.Number, invoice.Total, invoice.Currency, len(invoice.Lines), "lines", string(pdf[:5]))
		break
	}
	// Output:
	// CN-2026-0011 186.00 EUR 1 lines %PDF-
}

// Another reseller's object is a 404, the same as a missing one.
func ExampleIsNotFound() {
	ctx := context.Background()
	client := signIn(ctx)
	_, err := client.Account(ctx, "no-such-account")
	fmt.Println(resellerapi.IsNotFound(err))
	fmt.Println(err)
	// Output:
	// true
	// GET /api/accounts/no-such-account: 404 Not Found: No such object, or not one of yours.
}

// A manager's API token reads the reseller profiles (JSON:API) of its
// reseller and of every reseller below it.
func ExampleWithManagerToken() {
	ctx := context.Background()
	client, err := resellerapi.New(os.Getenv("RESELLERAPI_URL"),
		resellerapi.WithManagerToken(os.Getenv("RESELLERAPI_MANAGER_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	for reseller, err := range client.Resellers(ctx, api.ListResellersParams{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(reseller.Id, reseller.Attributes.General.Name)
	}
	// Output:
	// res-cloudnova-cy CloudNova Cyprus
	// res-cloudnova CloudNova Solutions
	// res-limassol-it Limassol IT Partners
}
