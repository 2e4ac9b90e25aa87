package service_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/resellerapi/platform/proto-events/resellerapi/events/v1"
	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/testkit"
	"github.com/resellerapi/platform/services/auth/service"
)

// consoleUser is a browser without JavaScript: a cookie jar and forms.
type consoleUser struct {
	t    *testing.T
	base string
	http *http.Client
	// last is the body of the last page.
	last string
}

func newConsoleUser(t *testing.T, base string) *consoleUser {
	jar, _ := cookiejar.New(nil)
	return &consoleUser{t: t, base: base, http: &http.Client{Jar: jar}}
}

// get opens path and returns the final status (redirects followed).
func (u *consoleUser) get(path string) int {
	u.t.Helper()
	resp, err := u.http.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	return u.read(resp)
}

func (u *consoleUser) read(resp *http.Response) int {
	u.t.Helper()
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	u.last = string(b)
	if strings.HasPrefix(resp.Request.URL.Path, "/console/") && !strings.HasPrefix(resp.Request.URL.Path, "/console/static/") {
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			u.t.Errorf("%s: Cache-Control %q, want no-store", resp.Request.URL.Path, cc)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			u.t.Errorf("%s: Content-Security-Policy %q", resp.Request.URL.Path, csp)
		}
		if rp := resp.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			u.t.Errorf("%s: Referrer-Policy %q, want no-referrer", resp.Request.URL.Path, rp)
		}
	}
	return resp.StatusCode
}

// post sends a form, with the page's CSRF token unless fields name one.
func (u *consoleUser) post(path string, fields url.Values) int {
	u.t.Helper()
	if fields == nil {
		fields = url.Values{}
	}
	if _, ok := fields["csrf"]; !ok {
		fields.Set("csrf", u.hidden("csrf"))
	}
	resp, err := u.http.PostForm(u.base+path, fields)
	if err != nil {
		u.t.Fatal(err)
	}
	return u.read(resp)
}

// hidden is the value of the last page's hidden field name.
func (u *consoleUser) hidden(name string) string {
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(u.last)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// text is the text of the last page's element with id, or "".
func (u *consoleUser) text(id string) string {
	m := regexp.MustCompile(`id="` + id + `"[^>]*>([^<]*)<`).FindStringSubmatch(u.last)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (u *consoleUser) signIn(credential string) int {
	u.t.Helper()
	if status := u.get("/console/sign-in"); status != 200 {
		u.t.Fatalf("sign-in page: %d", status)
	}
	return u.post("/console/sign-in", url.Values{"signin": {u.hidden("signin")}, "credential": {credential}, "csrf": nil})
}

func TestConsoleDistributorAndResellerScreens(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.Issuer = "http://console.test" })
	dist := newConsoleUser(t, e.srv.URL)

	if status := dist.get("/console/reseller-api"); status != 200 || !strings.Contains(dist.last, `id="sign-in"`) {
		t.Fatalf("without a session: %d, want the sign-in page", status)
	}
	if status := dist.signIn("not-a-credential-at-all"); status != 401 || !strings.Contains(dist.last, "not an admin token") {
		t.Errorf("wrong credential: %d", status)
	}
	forged := newConsoleUser(t, e.srv.URL)
	if status := forged.post("/console/sign-in", url.Values{"credential": {adminToken}}); status != 403 {
		t.Errorf("sign-in form posted from elsewhere: %d, want 403", status)
	}
	if status := dist.signIn(adminToken); status != 200 || !strings.Contains(dist.last, `id="generate-keys"`) ||
		!strings.Contains(dist.last, "Automation Options") || !strings.Contains(dist.last, "No Application Users yet") {
		t.Fatalf("distributor's home: %d %s", status, dist.last)
	}
	if status := dist.post("/console/reseller-api/generate", url.Values{"csrf": {"forged"}}); status != 403 {
		t.Errorf("generate with a wrong CSRF token: %d, want 403", status)
	}
	if _, act := e.call(t, "GET", "/admin/v1/reseller-api/credentials", adminToken, nil); act["active"] != false {
		t.Fatalf("a refused form changed the activation: %v", act)
	}
	dist.get("/console/reseller-api")
	if status := dist.post("/console/reseller-api/generate", nil); status != 200 || !strings.Contains(dist.last, "keys are generated") {
		t.Fatalf("generate keys: %d", status)
	}
	if _, act := e.call(t, "GET", "/admin/v1/reseller-api/credentials", adminToken, nil); act["active"] != true {
		t.Fatalf("after Generate keys: %v", act)
	}

	// The reseller's admin signs in with its storefront key.
	status, key := e.call(t, "POST", "/admin/v1/resellers/r1/storefront-keys", adminToken, nil)
	if status != 201 {
		t.Fatalf("storefront key: %d", status)
	}
	res := newConsoleUser(t, e.srv.URL)
	if status := res.signIn(key["storefrontKey"].(string)); status != 200 || !strings.Contains(res.last, "API Credentials") {
		t.Fatalf("reseller's home: %d", status)
	}
	creds := e.credentials(t, "r1")
	if res.text("client-key") != creds["clientKey"] || strings.Contains(res.last, creds["clientSecret"].(string)) ||
		res.text("token-url") != "http://console.test/oauth/token" {
		t.Errorf("key %q (want %v), token URL %q; the secret must not be in the page until revealed", res.text("client-key"), creds["clientKey"], res.text("token-url"))
	}
	if status := res.post("/console/resellers/r1/api-credentials/reveal", nil); status != 200 || res.text("client-secret") != creds["clientSecret"] {
		t.Errorf("reveal: %d, secret %q", status, res.text("client-secret"))
	}
	for path, want := range map[string]int{
		"/console/resellers/r2/api-credentials": 404, "/console/reseller-api": 404, "/console/resellers": 404,
		"/console/resellers/r1/managers": 403, "/console/resellers/nope/api-credentials": 404,
	} {
		if status := res.get(path); status != want {
			t.Errorf("reseller r1's session opening %s: %d, want %d", path, status, want)
		}
	}
	res.get("/console/resellers/r1/api-credentials")
	if status := res.post("/console/resellers/r2/api-users", url.Values{"username": {"intruder"}, "email": {"x@acme.example"},
		"password": {"Reseller-Api-2026"}, "confirmPassword": {"Reseller-Api-2026"}}); status != 404 {
		t.Errorf("r1 adding a user to r2: %d, want 404", status)
	}

	// The Add pop-up: a mismatch shows beside its field, keeps what was
	// typed but the passwords; then right.
	res.get("/console/resellers/r1/api-credentials?add=1")
	if !strings.Contains(res.last, `<dialog id="add-user" aria-labelledby="add-user-title" open`) {
		t.Errorf("?add=1 opens the pop-up without JavaScript")
	}
	form := url.Values{"username": {"cloudnova-dev"}, "email": {"dev@cloudnova.example"}, "password": {"Reseller-Api-2026"}, "confirmPassword": {"Reseller-Api-2027"}}
	if status := res.post("/console/resellers/r1/api-users", form); status != 422 || res.text("confirm-error") == "" ||
		!strings.Contains(res.last, `value="cloudnova-dev"`) || !strings.Contains(res.last, `value="dev@cloudnova.example"`) ||
		strings.Contains(res.last, "Reseller-Api-202") {
		t.Fatalf("mismatched confirmation: %d, error %q", status, res.text("confirm-error"))
	}
	form.Set("confirmPassword", "Reseller-Api-2026")
	if status := res.post("/console/resellers/r1/api-users", form); status != 200 || !strings.Contains(res.last, "Application User is added") {
		t.Fatalf("add user: %d", status)
	}
	if status := res.post("/console/resellers/r1/api-users", form); status != 422 || !strings.Contains(res.text("username-error"), "taken") {
		t.Errorf("duplicate username: %d %q", status, res.text("username-error"))
	}
	form.Set("username", "weak-one")
	form.Set("password", "short")
	form.Set("confirmPassword", "short")
	if status := res.post("/console/resellers/r1/api-users", form); status != 422 || !strings.Contains(res.text("password-error"), "10 to 72") {
		t.Errorf("weak password: %d %q", status, res.text("password-error"))
	}

	// The distributor's table lists it with Account, Username and Email,
	// and finds it by search.
	dist.get("/console/reseller-api?search=CLOUDNOVA")
	if !regexp.MustCompile(`CloudNova Solutions</a></td>\s*<td>cloudnova-dev</td><td>dev@cloudnova.example</td>`).MatchString(dist.last) {
		t.Errorf("distributor's Application Users table misses the user: %s", dist.last)
	}
	if dist.get("/console/reseller-api?search=nobody"); !strings.Contains(dist.last, `No Application User matches`) {
		t.Errorf("search with no match")
	}
	dist.get("/console/reseller-api")
	userID := regexp.MustCompile(`/api-users/([0-9a-f-]{36})/disable`).FindStringSubmatch(dist.last)
	if userID == nil {
		t.Fatal("no disable form for the user")
	}
	if status := dist.post("/console/resellers/r1/api-users/"+userID[1]+"/disable", url.Values{"from": {"reseller-api"}}); status != 200 ||
		!strings.Contains(dist.last, "is disabled") {
		t.Errorf("disable: %d", status)
	}
	if _, u := e.call(t, "GET", "/admin/v1/resellers/r1/api-users/"+userID[1], adminToken, nil); u["disabled"] != true {
		t.Errorf("after Disable: %v", u)
	}

	// Signing out ends the session on every replica: a second auth over
	// the same store no longer takes the cookie either.
	other := startWith(t, func(c *service.Config) { *c = e.cfg })
	res.base = other.srv.URL
	if status := res.get("/console/resellers/r1/api-credentials"); status != 200 || res.text("client-key") != creds["clientKey"] {
		t.Fatalf("the session on a second replica: %d", status)
	}
	if status := res.post("/console/sign-out", nil); status != 200 || !strings.Contains(res.last, `id="sign-in"`) {
		t.Errorf("sign out: %d", status)
	}
	res.base = e.srv.URL
	if res.get("/console/resellers/r1/api-credentials"); !strings.Contains(res.last, `id="sign-in"`) {
		t.Errorf("the first replica still takes a signed-out session")
	}

	// Revoking the storefront key ends the sessions signed in with it.
	res.signIn(key["storefrontKey"].(string))
	if status, _ := e.call(t, "DELETE", "/admin/v1/resellers/r1/storefront-keys/"+key["id"].(string), adminToken, nil); status != 204 {
		t.Fatalf("revoke storefront key: %d", status)
	}
	if res.get("/console/resellers/r1/api-credentials"); !strings.Contains(res.last, `id="sign-in"`) {
		t.Errorf("a revoked storefront key's session still works")
	}

	// Deactivation asks first, then says what stopped.
	if status := dist.get("/console/reseller-api/deactivate"); status != 200 || !strings.Contains(dist.last, "token endpoint refuses every client") {
		t.Errorf("deactivate confirmation: %d", status)
	}
	if status := dist.post("/console/reseller-api/deactivate", url.Values{"confirm": {"deactivate"}}); status != 200 || !strings.Contains(dist.last, "is deactivated") {
		t.Errorf("deactivate: %d", status)
	}
	if _, creds := e.call(t, "GET", "/admin/v1/resellers/r1/api-credentials", adminToken, nil); creds["clientKey"] != "--" {
		t.Errorf("after Deactivate: %v", creds)
	}
	big := url.Values{"confirm": {strings.Repeat("x", 70<<10)}}
	if status := dist.post("/console/reseller-api/deactivate", big); status != 413 || !strings.Contains(dist.last, "64 KiB") {
		t.Errorf("a form over the limit: %d, want 413 naming the limit", status)
	}
}

func TestConsoleSaysWhyAResellersTokensAreRefusedAndRotatesItsPair(t *testing.T) {
	t.Parallel()
	// A reseller of the test's own: every test's auth reads the one
	// stream, and the others publish r1 and r2 as they start.
	r2 := "bytebridge-" + uuid.NewString()[:8]
	e := startWith(t, func(c *service.Config) { c.Issuer = "http://console.test"; c.CredentialsGracePeriod = time.Hour })
	publishReseller(t, &eventsv1.Reseller{ResellerId: r2, Name: "ByteBridge IT"})
	op := newConsoleUser(t, e.srv.URL)
	op.signIn(adminToken)
	testkit.Eventually(t, 10*time.Second, func() bool {
		op.get("/console/resellers/" + r2 + "/api-credentials")
		return strings.Contains(op.last, `id="not-generated"`)
	}, "auth never learnt reseller %s", r2)
	if op.text("refusal") != "" || strings.Contains(op.last, `id="add"`) {
		t.Fatalf("an active standard reseller before the keys: refusal %q; want no refusal, the not-generated notice and no Add", op.text("refusal"))
	}
	for _, tt := range []struct {
		status  eventsv1.ResellerStatus
		edition eventsv1.ResellerEdition
		want    string
	}{
		{eventsv1.ResellerStatus_RESELLER_STATUS_ACTIVE, eventsv1.ResellerEdition_RESELLER_EDITION_FREE, "API access needs the Standard edition"},
		{eventsv1.ResellerStatus_RESELLER_STATUS_SUSPENDED, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD, "suspended"},
		{eventsv1.ResellerStatus_RESELLER_STATUS_CLOSED, eventsv1.ResellerEdition_RESELLER_EDITION_STANDARD, "closed"},
	} {
		publishReseller(t, &eventsv1.Reseller{ResellerId: r2, Name: "ByteBridge IT", Status: tt.status, Edition: tt.edition})
		testkit.Eventually(t, 10*time.Second, func() bool {
			op.get("/console/resellers/" + r2 + "/api-credentials")
			return strings.Contains(op.text("refusal"), tt.want)
		}, r2+" %v on %v: the page says %q, want %q", tt.status, tt.edition, op.text("refusal"), tt.want)
	}

	// A Free-edition reseller can still add users once the keys exist.
	publishReseller(t, &eventsv1.Reseller{ResellerId: r2, Name: "ByteBridge IT", Edition: eventsv1.ResellerEdition_RESELLER_EDITION_FREE})
	before := e.credentials(t, r2)
	testkit.Eventually(t, 10*time.Second, func() bool {
		op.get("/console/resellers/" + r2 + "/api-credentials")
		return strings.Contains(op.text("refusal"), "Free edition")
	}, "%s back on the free edition", r2)
	if !strings.Contains(op.last, `id="add"`) || op.text("client-key") != before["clientKey"] {
		t.Errorf("a Free-edition reseller with keys: Add shown %v, key %q", strings.Contains(op.last, `id="add"`), op.text("client-key"))
	}

	// Rotating its own pair lists the previous key with its validity.
	if status := op.post("/console/resellers/"+r2+"/api-credentials/rotate", url.Values{"grace": {"3600"}}); status != 200 ||
		!strings.Contains(op.last, "new client key and secret") {
		t.Fatalf("rotate: %d", status)
	}
	after := e.credentials(t, r2)
	if op.text("client-key") != after["clientKey"] || after["clientKey"] == before["clientKey"] ||
		!regexp.MustCompile(`<code>`+regexp.QuoteMeta(before["clientKey"].(string))+`</code> works until \d+ \w+ \d{4}, \d\d:\d\d UTC`).MatchString(op.last) {
		t.Errorf("after rotating: key %q (API: %v, before %v); previous keys: %s", op.text("client-key"), after["clientKey"], before["clientKey"], op.text("previous"))
	}
	if status := op.post("/console/resellers/"+r2+"/api-credentials/rotate", url.Values{"grace": {"12345"}}); status != 400 {
		t.Errorf("a grace period not offered: %d, want 400", status)
	}
}

// publishReseller publishes r as the directory's newest version of it.
func publishReseller(t testing.TB, r *eventsv1.Reseller) {
	t.Helper()
	pub, err := eventbus.Connect(eventbus.Config{NATSURL: kit.NATSURL, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pub.Close() }()
	err = pub.Publish(context.Background(), eventbus.On(subjects.Resellers, &eventsv1.ResellerChanged{
		Meta:     &eventsv1.EventMeta{EventId: uuid.Must(uuid.NewV7()).String(), OccurredAt: timestamppb.Now(), AggregateId: r.GetResellerId(), Version: time.Now().UnixNano()},
		Reseller: r,
	}))
	if err != nil {
		t.Fatal(err)
	}
}

func TestConsoleManagersIssueAndRevokeTokens(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.Issuer = "http://console.test" })
	op := newConsoleUser(t, e.srv.URL)
	op.signIn(adminToken)
	if status := op.get("/console/resellers/r2/managers"); status != 200 || !strings.Contains(op.last, "No managers yet") {
		t.Fatalf("managers: %d", status)
	}
	if status := op.post("/console/resellers/r2/managers", url.Values{"name": {"Sofia Nikolaou"}, "email": {"not-an-email"}, "role": {"admin"}}); status != 422 ||
		op.text("manager-error") == "" || !strings.Contains(op.last, `value="Sofia Nikolaou"`) {
		t.Errorf("bad email: %d %q", status, op.text("manager-error"))
	}
	if status := op.post("/console/resellers/r2/managers", url.Values{"name": {"Sofia Nikolaou"}, "email": {"sofia@bytebridge.example"}, "role": {"billing"}}); status != 200 ||
		!strings.Contains(op.last, "manager is added") || !strings.Contains(op.last, "<td>billing</td>") {
		t.Fatalf("add manager: %d", status)
	}
	issue := regexp.MustCompile(`action="(/console/resellers/r2/managers/[^/"]+/api-tokens)"`).FindStringSubmatch(op.last)
	if issue == nil {
		t.Fatal("no Issue API token form")
	}
	if status := op.post(issue[1], nil); status != 200 || !strings.HasPrefix(op.text("issued-token"), "mgr_") {
		t.Fatalf("issue token: %d", status)
	}
	token := op.text("issued-token")
	if curl := op.text("issued-curl"); !strings.Contains(curl, `X-Api-Token: `+token) || !strings.Contains(curl, "http://console.test/api/v3/customer_store/resellers/r2") {
		t.Errorf("curl line %q", curl)
	}
	if status := op.get("/console/resellers/r2/managers"); status != 200 || strings.Contains(op.last, token) {
		t.Errorf("the token is shown again")
	}
	revoke := regexp.MustCompile(`action="(/console/resellers/r2/managers/[^"]+/revoke)"`).FindStringSubmatch(op.last)
	if revoke == nil {
		t.Fatal("no Revoke form")
	}
	if status := op.post(revoke[1], nil); status != 200 || !strings.Contains(op.last, "token is revoked") || !strings.Contains(op.last, "Revoked") {
		t.Errorf("revoke: %d", status)
	}
	// Another reseller's path does not reach r2's manager.
	other := strings.Replace(issue[1], "/resellers/r2/", "/resellers/r1/", 1)
	if status := op.post(other, nil); status != 404 {
		t.Errorf("r2's manager under r1's path: %d, want 404", status)
	}
	op.get("/console/resellers/r2/managers")
	del := regexp.MustCompile(`action="(/console/resellers/r2/managers/[^/"]+/delete)"`).FindStringSubmatch(op.last)
	if del == nil {
		t.Fatal("no Delete form")
	}
	if status := op.post(del[1], nil); status != 200 || !strings.Contains(op.last, "manager is deleted") || !strings.Contains(op.last, "No managers yet") {
		t.Errorf("delete manager: %d", status)
	}
}

func TestConsoleSessionsExpireAndSignInFailuresBackOff(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) {
		c.Issuer, c.ConsoleIdleTimeout, c.ConsoleSessionLifetime = "http://console.test", time.Minute, time.Hour
		c.LoginMaxFailures, c.LoginLockout = 3, time.Hour
	})
	u := newConsoleUser(t, e.srv.URL)
	if u.signIn(adminToken); !strings.Contains(u.last, `id="generate-keys"`) {
		t.Fatal("sign in")
	}
	// The test moves the session's last use back in the store rather than
	// sleeping, so a slow machine cannot make it pass or fail.
	sessions := e.kit.Mongo.Database(e.db).Collection("console_sessions")
	lastUsed := func(ago time.Duration) {
		t.Helper()
		if _, err := sessions.UpdateMany(context.Background(), bson.D{},
			bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: time.Now().Add(-ago)}}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Used more often than the idle timeout, the session lives on, each use
	// moving its last use forward ...
	for range 4 {
		lastUsed(50 * time.Second)
		if u.get("/console/reseller-api"); !strings.Contains(u.last, `id="generate-keys"`) {
			t.Fatal("a session in use expired")
		}
		var s struct {
			LastSeen time.Time `bson:"last_seen"`
		}
		if err := sessions.FindOne(context.Background(), bson.D{}).Decode(&s); err != nil || time.Since(s.LastSeen) > 40*time.Second {
			t.Fatalf("a use did not count as one: last seen %v (%v)", s.LastSeen, err)
		}
	}
	// ... and left idle longer, it ends.
	lastUsed(61 * time.Second)
	if u.get("/console/reseller-api"); !strings.Contains(u.last, `id="sign-in"`) {
		t.Error("an idle session still works")
	}

	// Failed sign-ins from one address lock it, the right credential too.
	attacker := newConsoleUser(t, e.srv.URL)
	for i := range 3 {
		if status := attacker.signIn("guess-" + strconv.Itoa(i)); status != 401 {
			t.Fatalf("failed sign-in %d: %d", i, status)
		}
	}
	if status := attacker.signIn(adminToken); status != 429 || !strings.Contains(attacker.last, "Too many failed sign-ins") {
		t.Errorf("sign-in while locked: %d, want 429", status)
	}
}

func TestConsoleListsApplicationUsersPageByPage(t *testing.T) {
	t.Parallel()
	e := startWith(t, func(c *service.Config) { c.Issuer = "http://console.test" })
	e.credentials(t, "r1")
	for i := range 23 {
		name := fmt.Sprintf("pager-user-%02d", i)
		if status, p := e.call(t, "POST", "/admin/v1/resellers/r1/api-users", adminToken, newUser(name, "Reseller-Api-2026")); status != 201 {
			t.Fatalf("user %s: %d %v", name, status, p)
		}
	}
	u := newConsoleUser(t, e.srv.URL)
	u.signIn(adminToken)
	if !strings.Contains(u.last, "Page 1 of 2 (23 in all)") || !strings.Contains(u.last, "pager-user-19") || strings.Contains(u.last, "pager-user-20") {
		t.Fatalf("first page of 23 users")
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(u.last)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	if u.get(html.UnescapeString(next[1])); !strings.Contains(u.last, "pager-user-22") || strings.Contains(u.last, "pager-user-19") ||
		!strings.Contains(u.last, `rel="prev"`) {
		t.Errorf("second page: %s", u.last)
	}
	rows := regexp.MustCompile(`<td>pager-user-\d\d</td>`)
	if u.get("/console/reseller-api?search=user-07"); len(rows.FindAllString(u.last, -1)) != 1 || !strings.Contains(u.last, "<td>pager-user-07</td>") {
		t.Errorf("search for one user: rows %v", rows.FindAllString(u.last, -1))
	}
}

func TestConsoleCookiesAreSecureBehindHTTPS(t *testing.T) {
	t.Parallel()
	e := start(t) // the issuer is https
	req, _ := http.NewRequest("GET", e.srv.URL+"/console/sign-in", nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	signin := regexp.MustCompile(`name="signin" value="([^"]*)"`).FindStringSubmatch(string(body))
	if len(resp.Cookies()) != 1 || signin == nil {
		t.Fatalf("sign-in page: cookies %v", resp.Cookies())
	}
	form := url.Values{"signin": {signin[1]}, "credential": {adminToken}}
	req, _ = http.NewRequest("POST", e.srv.URL+"/console/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(resp.Cookies()[0])
	resp, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	var session string
	for _, c := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "console_session=") {
			session = c
		}
	}
	for _, want := range []string{"Path=/console", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(session, want) {
			t.Errorf("session cookie %q lacks %s", session, want)
		}
	}
}

// FuzzConsoleForms posts any form to the console's actions as a signed-in
// distributor: a refusal is a page (4xx), never a crash or a 5xx.
func FuzzConsoleForms(f *testing.F) {
	e := startWith(f, func(c *service.Config) { c.Issuer = "http://console.test" })
	e.credentials(f, "r1")
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{base: e.srv.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	resp, err := u.http.Get(e.srv.URL + "/console/sign-in")
	if err != nil {
		f.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	u.last = string(body)
	resp, err = u.http.PostForm(e.srv.URL+"/console/sign-in", url.Values{"signin": {u.hidden("signin")}, "credential": {adminToken}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		f.Fatalf("sign in: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	resp, _ = u.http.Get(e.srv.URL + "/console/reseller-api")
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	u.last = string(body)
	csrf := u.hidden("csrf")
	paths := []string{"/console/reseller-api/rotate", "/console/resellers/r1/api-users", "/console/resellers/r1/api-credentials/rotate",
		"/console/resellers/r1/managers", "/console/resellers/r1/api-users/x/disable", "/console/reseller-api/deactivate"}
	f.Add(uint8(0), "grace=86400")
	f.Add(uint8(0), "grace=-1")
	f.Add(uint8(1), "username=a&email=b&password=c&confirmPassword=d")
	f.Add(uint8(1), "username=%zz")
	f.Add(uint8(2), "grace=99999999999999999999")
	f.Add(uint8(3), "name=%00&email=x@y.z&role=root")
	f.Add(uint8(4), "from=reseller-api")
	f.Add(uint8(5), "confirm=no")
	f.Fuzz(func(t *testing.T, which uint8, form string) {
		if strings.Contains(form, "confirm=deactivate") {
			return // would end the keys the other cases need
		}
		req, _ := http.NewRequest("POST", e.srv.URL+paths[int(which)%len(paths)], strings.NewReader(form+"&csrf="+url.QueryEscape(csrf)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := u.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("POST %s %q: %d", req.URL.Path, form, resp.StatusCode)
		}
	})
}
