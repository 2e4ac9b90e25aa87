package platform_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/testkit"
)

// TestResellerctlOnThePlatform runs the resellerctl binary as a
// reseller's developer does, against the all-in-one with the demo data:
// output formats, the saved sign-in, exit codes and one-line errors.
func TestResellerctlOnThePlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite")
	}
	bin := filepath.Join(t.TempDir(), "resellerctl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/resellerctl")
	build.Dir = filepath.Join("..", "..", "..", "sdk", "go")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build resellerctl: %v\n%s", err, out)
	}
	s := startSystem(t, t.TempDir())
	defer s.stop()
	s.activate(t)
	s.createUser(t, "res-cloudnova", "cloudnova-cli", "Cli-Secret-2026")
	_, creds := s.admin(t, "GET", "/admin/v1/resellers/res-cloudnova/api-credentials", nil)

	home := t.TempDir()
	config := filepath.Join(home, "resellerctl", "config.json")
	ctl := func(stdin string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "RESELLERCTL_CONFIG="+config)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	oneLine := func(what, stderr string, code, want int) {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != want || !strings.HasPrefix(lines[0], "resellerctl: ") || (want == 1 && len(lines) != 1) {
			t.Errorf("%s: exit %d (want %d), stderr %q", what, code, want, stderr)
		}
	}

	_, stderr, code := ctl("", "accounts", "list")
	oneLine("before login", stderr, code, 1)
	if !strings.Contains(stderr, "run resellerctl login") {
		t.Errorf("before login: %q", stderr)
	}
	login := []string{"login", "--url", s.p.URL, "--client-key", creds["clientKey"].(string),
		"--client-secret", creds["clientSecret"].(string), "--username", "cloudnova-cli", "--password-stdin"}
	_, stderr, code = ctl("wrong\n", login...)
	oneLine("a wrong password", stderr, code, 1)
	if _, err := os.Stat(config); err == nil {
		t.Error("a failed login saved a config")
	}
	if out, stderr, code := ctl("Cli-Secret-2026\n", login...); code != 0 || !strings.Contains(out, "signed in") {
		t.Fatalf("login: %d %q %q", code, out, stderr)
	}
	if st, err := os.Stat(config); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config %v, mode %v: want 0600", err, st.Mode())
	}
	if b, _ := os.ReadFile(config); strings.Contains(string(b), "Cli-Secret-2026") {
		t.Error("the password was saved")
	}

	// Every account by cursor, three a page, as CSV.
	var rows [][]string
	testkit.Eventually(t, 15*time.Second, func() bool {
		out, _, code := ctl("", "accounts", "list", "--all", "--page-size", "3", "-o", "csv")
		rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
		return code == 0 && len(rows) == 13
	}, "accounts list --all -o csv never had the 12 demo accounts: %v", rows)
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if r[3] != "res-cloudnova" || seen[r[0]] {
			t.Errorf("row %v", r)
		}
		seen[r[0]] = true
	}
	if strings.Join(rows[0], ",") != "ID,NAME,STATUS,RESELLER,UPDATED" {
		t.Errorf("CSV header %v", rows[0])
	}
	// Without --all, one page.
	if out, _, _ := ctl("", "accounts", "list", "--page-size", "5", "-o", "json"); strings.Count(out, `"resellerId"`) != 5 {
		t.Errorf("one page of 5 as JSON: %s", out)
	}
	var products []map[string]any
	out, _, _ := ctl("", "products", "list", "-o", "json")
	if err := json.Unmarshal([]byte(out), &products); err != nil || len(products) == 0 || products[0]["prices"] == nil {
		t.Errorf("products as JSON (%v): %s", err, out)
	}
	if out, _, _ := ctl("", "resellers", "list"); !strings.Contains(out, "res-limassol-it") || !strings.HasPrefix(out, "ID ") {
		t.Errorf("resellers table: %s", out)
	}

	// An invoice and its PDF; the export since a time, one JSON a line.
	var jsonl string
	testkit.Eventually(t, 15*time.Second, func() bool {
		jsonl, _, _ = ctl("", "sync", "invoices", "--since", "2020-01-01T00:00:00Z")
		return strings.Count(jsonl, "\n") == 4
	}, "sync invoices never exported the 4 demo invoices")
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var inv map[string]any
		if err := json.Unmarshal([]byte(line), &inv); err != nil || inv["number"] == nil {
			t.Errorf("export line %q: %v", line, err)
		}
	}
	if out, _, code := ctl("", "sync", "invoices", "--since", time.Now().Add(time.Hour).Format(time.RFC3339)); code != 0 || out != "" {
		t.Errorf("an export from the future: %d %q", code, out)
	}
	pdf := filepath.Join(home, "aug.pdf")
	out, stderr, code = ctl("", "invoices", "get", "inv-cn-2026-08", "--pdf", pdf)
	if code != 0 || !strings.Contains(out, "CN-2026-0008") || !strings.Contains(out, "Acropolis Bakery") && !strings.Contains(out, "acc-cn-") {
		t.Errorf("invoices get: %d %q %q", code, out, stderr)
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("PDF file: %v %.10q", err, b)
	}

	// Another reseller's invoice is the API's 404, on one line.
	_, stderr, code = ctl("", "invoices", "get", "inv-bb-2026-10")
	oneLine("another reseller's invoice", stderr, code, 1)
	if !strings.Contains(stderr, "404") {
		t.Errorf("another reseller's invoice: %q", stderr)
	}
	for _, args := range [][]string{{"nothing"}, {"accounts", "list", "-o", "xml"}, {"sync", "invoices", "--since", "yesterday"},
		{"invoices", "get"}, {"accounts", "list", "--page-size", "500"}} {
		_, stderr, code := ctl("", args...)
		oneLine(strings.Join(args, " "), stderr, code, 2)
	}

	// A manager token instead, read from stdin.
	if _, stderr, code := ctl(s.managerToken(t, "res-cloudnova")+"\n", "login", "--url", s.p.URL, "--manager-token-stdin"); code != 0 {
		t.Fatalf("manager login: %d %q", code, stderr)
	}
	if out, _, code := ctl("", "resellers", "list", "-o", "csv"); code != 0 || strings.Count(out, "\n") != 4 {
		t.Errorf("resellers as manager: %d %q", code, out)
	}
	_, stderr, code = ctl("mt_not-a-token\n", "login", "--url", s.p.URL, "--manager-token-stdin")
	oneLine("a wrong manager token", stderr, code, 1)
}
