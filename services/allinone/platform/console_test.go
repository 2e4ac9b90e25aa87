package platform_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/resellerapi/platform/pkg/testkit"
)

// browser is one person's Chromium profile (its own cookies) on a tab.
type browser struct {
	t   *testing.T
	ctx context.Context
	// shots collects the screenshots taken, written out by the test when
	// CONSOLE_SCREENSHOTS names a folder (make screenshots).
	shots map[string][]byte
}

// chromium starts Debian's Chromium headless, as the machine's probe
// does: without the background networking this closed network refuses.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the console's browser tests need Chromium: apt-get install chromium (.ci/run installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// person opens a profile of its own in the running browser.
func person(t *testing.T, root context.Context) *browser {
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first call opens the tab, which lives as long as that call's
	// context: this one, never one with a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &browser{t: t, ctx: ctx, shots: map[string][]byte{}}
}

// do runs the steps with a bound on each call, failing the test with
// what it was doing.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v\n%s", what, err, b.page())
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v\n%s", sel, err, b.page())
	}
	return strings.TrimSpace(s)
}

// page is where the browser is and what it shows, for a failure.
func (b *browser) page() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	where, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	return "at " + where + ":\n" + text
}

// has reports whether an element matches sel now (no waiting).
func (b *browser) has(sel string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.querySelector("+quoteJS(sel)+") !== null"))
	if err != nil {
		b.t.Fatalf("query %s: %v", sel, err)
	}
	return n
}

// acceptConfirms answers OK to the page's confirmations (window.confirm).
var acceptConfirms = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := chromedp.Evaluate[bool]("window.confirm = function () { return true }; true")(ctx, t)
	return err
})

func quoteJS(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// shot keeps a full-page screenshot of the current page.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(png) < 1000 {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shots[name] = png
}

// shotViewport keeps a screenshot of what the viewport shows (a phone's
// screen).
func (b *browser) shotViewport(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil || len(png) < 1000 {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shots[name] = png
}

// submitAndWait clicks sel and waits for the next page to show want.
func (b *browser) submitAndWait(what, sel, want string) {
	b.t.Helper()
	b.do(what, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(want)))
}

func (b *browser) signIn(base, credential string) {
	b.t.Helper()
	b.do("sign in", chromedp.Navigate(base+"/console/sign-in"), chromedp.WaitVisible(chromedp.ID("credential")),
		chromedp.SendKeys(chromedp.ID("credential"), credential), chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.ID("sign-out")))
}

// TestConsoleInABrowser walks the first product document's story, then
// the second's managers, through the console's pages in Chromium: what
// people see and click, and that what they read off the pages works
// against the API.
func TestConsoleInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	var status int
	testkit.Eventually(t, 15*time.Second, func() bool {
		status, _ = s.admin(t, "GET", "/admin/v1/resellers/res-bytebridge/api-credentials", nil)
		return status == http.StatusOK
	}, "auth never learnt the demo resellers")
	// The distributor gives CloudNova's storefront its key, as its
	// storefront backend is set up.
	status, key := s.admin(t, "POST", "/admin/v1/resellers/res-cloudnova/storefront-keys", nil)
	if status != http.StatusCreated {
		t.Fatalf("storefront key: %d", status)
	}

	root := chromium(t)
	dist, reseller := person(t, root), person(t, root)
	base := s.p.URL

	// The reseller's page shows "--" and no Add before the keys exist.
	reseller.signIn(base, key["storefrontKey"].(string))
	if got := reseller.text("#client-key"); got != "--" || reseller.text("#client-secret") != "--" || reseller.has("#add") {
		t.Fatalf("before the keys: key %q, secret %q, Add shown %v", got, reseller.text("#client-secret"), reseller.has("#add"))
	}
	if href, _ := chromedp.Run(reseller.ctx, chromedp.AttributeValue(chromedp.ID("api-docs"), "href")); href.Value !=
		base+"/apidocs/?urls.primaryName=API%20Version%203%20for%20Resellers" {
		t.Errorf("API documentation link %q", href.Value)
	}
	reseller.shot("storefront-before-keys")

	// The distributor generates the keys.
	dist.signIn(base, s.p.AdminToken)
	if !strings.Contains(dist.text(".crumbs"), "Automation Options") || !dist.has("#generate-keys") {
		t.Fatal("the distributor's Reseller API screen")
	}
	dist.shot("distributor-before-keys")
	dist.submitAndWait("generate keys", "#generate-keys", ".notice")

	// The reseller now sees its key, reveals its secret, reads the URL.
	reseller.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("reveal")))
	clientKey := reseller.text("#client-key")
	if !strings.HasPrefix(clientKey, "rapi_") || reseller.text("#client-secret") == "--" {
		t.Fatalf("after the keys: key %q, secret %q", clientKey, reseller.text("#client-secret"))
	}
	reseller.submitAndWait("reveal", "#reveal", "button[data-copy=client-secret]")
	secret, tokenURL := reseller.text("#client-secret"), reseller.text("#token-url")
	if len(secret) < 40 || tokenURL != base+"/oauth/token" {
		t.Fatalf("secret %q, token URL %q", secret, tokenURL)
	}
	reseller.shot("storefront-credentials")

	// Add opens the pop-up; a mismatched confirmation shows in it, then
	// the right one adds the user.
	reseller.do("open Add", chromedp.Navigate(base+"/console/resellers/res-cloudnova/api-credentials"),
		chromedp.Click(chromedp.ID("add")), chromedp.WaitVisible(chromedp.ID("username")))
	reseller.do("fill the pop-up",
		chromedp.SendKeys(chromedp.ID("username"), "cloudnova-dev"), chromedp.SendKeys(chromedp.ID("email"), "dev@cloudnova.example"),
		chromedp.SendKeys(chromedp.ID("password"), "Reseller-Api-2026"), chromedp.SendKeys(chromedp.ID("confirmPassword"), "Reseller-Api-2027"))
	reseller.submitAndWait("add with a mismatch", "#add-user-submit", "#confirm-error")
	if open, _ := chromedp.Run(reseller.ctx, chromedp.Evaluate[bool]("document.getElementById('add-user').open")); !open {
		t.Error("the pop-up is not open with the error")
	}
	typed, _ := chromedp.Run(reseller.ctx, chromedp.Value(chromedp.ID("username")))
	password, _ := chromedp.Run(reseller.ctx, chromedp.Value(chromedp.ID("password")))
	if typed != "cloudnova-dev" || password != "" {
		t.Errorf("after the refusal: username %q (kept), password %q (never sent back)", typed, password)
	}
	reseller.shot("add-user-mismatch")
	reseller.do("fill the passwords again",
		chromedp.SendKeys(chromedp.ID("password"), "Reseller-Api-2026"), chromedp.SendKeys(chromedp.ID("confirmPassword"), "Reseller-Api-2026"))
	reseller.submitAndWait("add", "#add-user-submit", ".notice")
	if !strings.Contains(reseller.text("#app-users"), "cloudnova-dev") {
		t.Fatal("the reseller's table misses the new user")
	}

	// The distributor's table lists it with Account, Username, Email.
	dist.do("open the distributor's screen", chromedp.Navigate(base+"/console/reseller-api"), chromedp.WaitVisible(chromedp.ID("app-users")))
	row := dist.text("#app-users tbody tr")
	for _, want := range []string{"CloudNova Solutions", "cloudnova-dev", "dev@cloudnova.example"} {
		if !strings.Contains(row, want) {
			t.Errorf("distributor's Application Users row %q lacks %q", row, want)
		}
	}
	dist.shot("distributor-application-users")

	// What the page showed gets a token and reads the accounts.
	oc := oauth2.Config{ClientID: clientKey, ClientSecret: secret,
		Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}}
	tok, err := oc.PasswordCredentialsToken(context.Background(), "cloudnova-dev", "Reseller-Api-2026")
	if err != nil {
		t.Fatalf("password grant with the page's key and secret: %v", err)
	}
	testkit.Eventually(t, 15*time.Second, func() bool {
		resp, body := s.api(t, oc.Client(context.Background(), tok), "/api/accounts?pageIndex=1&pageSize=10", "X-api-version", "3")
		return resp.StatusCode == 200 && body["pagination"].(map[string]any)["totalCount"] == 12.0
	}, "the accounts with the console's credentials")

	// A manager is added; its token, shown once, works until revoked.
	dist.do("add a manager", chromedp.Navigate(base+"/console/resellers/res-cloudnova/managers"), chromedp.WaitVisible(chromedp.ID("no-managers")),
		chromedp.SendKeys(chromedp.ID("manager-name"), "Sofia Nikolaou"), chromedp.SendKeys(chromedp.ID("manager-email"), "sofia@cloudnova.example"))
	dist.submitAndWait("add manager", "#add-manager", "#managers")
	dist.submitAndWait("issue a token", "button[data-issue='sofia@cloudnova.example']", "#issued-token")
	apiToken := dist.text("#issued-token")
	if !strings.HasPrefix(apiToken, "mgr_") || !strings.Contains(dist.text("#issued-curl"), "X-Api-Token: "+apiToken) {
		t.Fatalf("issued token %q, curl %q", apiToken, dist.text("#issued-curl"))
	}
	dist.shot("managers-token-issued")
	profile := func() int {
		resp, _ := s.api(t, http.DefaultClient, "/api/v3/customer_store/resellers/res-cloudnova", "X-Api-Token", apiToken, "Accept", "application/vnd.api+json")
		return resp.StatusCode
	}
	testkit.Eventually(t, 10*time.Second, func() bool { return profile() == 200 }, "the page's manager token never worked")
	dist.do("reload the managers", chromedp.Navigate(base+"/console/resellers/res-cloudnova/managers"), chromedp.WaitVisible(chromedp.ID("managers")))
	if strings.Contains(dist.text("main"), apiToken) {
		t.Error("the token is shown again")
	}
	dist.do("revoke", acceptConfirms)
	dist.submitAndWait("revoke the token", "button[data-revoke]", ".notice")
	testkit.Eventually(t, 10*time.Second, func() bool { return profile() == 401 }, "the revoked token still works")

	// A form without its CSRF token is refused; A's session cannot open B.
	dist.do("strip the CSRF token", chromedp.Navigate(base+"/console/reseller-api"), chromedp.WaitVisible(chromedp.ID("rotate-all")),
		chromedp.SetAttributeValue(chromedp.CSS("form[action='/console/reseller-api/rotate'] input[name=csrf]"), "value", ""),
		acceptConfirms)
	dist.submitAndWait("post without CSRF", "#rotate-all", "#error")
	if got := dist.text("h1"); got != "Refused" {
		t.Errorf("a form without CSRF token: %q", got)
	}
	reseller.do("open another reseller", chromedp.Navigate(base+"/console/resellers/res-bytebridge/api-credentials"), chromedp.WaitVisible(chromedp.ID("error")))
	if got := reseller.text("h1"); got != "Not found" {
		t.Errorf("reseller A opening B's page: %q, want Not found", got)
	}

	// Narrow screens: the storefront on a phone.
	reseller.do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/console/resellers/res-cloudnova/api-credentials"), chromedp.WaitVisible(chromedp.ID("app-users")))
	reseller.shotViewport("storefront-phone")

	// Signing out ends the session.
	reseller.submitAndWait("sign out", "#sign-out", "#sign-in")
	reseller.do("back to the page", chromedp.Navigate(base+"/console/resellers/res-cloudnova/api-credentials"), chromedp.WaitVisible(chromedp.ID("sign-in")))

	if dir := os.Getenv("CONSOLE_SCREENSHOTS"); dir != "" {
		for _, b := range []*browser{dist, reseller} {
			for name, png := range b.shots {
				if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}
