package platform_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resellerapi/platform/pkg/eckey"
	"github.com/resellerapi/platform/pkg/testkit"
)

// TestServiceBinaries builds each service's own binary and runs it as
// production does, configured by environment variables against a NATS
// server and a MongoDB endpoint, then stops it with SIGTERM.
func TestServiceBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every service binary")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", bin+"/",
		"github.com/resellerapi/platform/services/directory/cmd/directory",
		"github.com/resellerapi/platform/services/catalog/cmd/catalog",
		"github.com/resellerapi/platform/services/invoicing/cmd/invoicing",
		"github.com/resellerapi/platform/services/auth/cmd/auth",
		"github.com/resellerapi/platform/services/edge/cmd/edge")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	kit := testkit.Start(t)
	common := []string{"NATS_URL=" + kit.NATSURL, "MONGODB_URI=" + kit.MongoURI, "LOG_LEVEL=warn"}

	t.Run("bad configuration exits 2 naming the problem", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(bin, "directory"))
		cmd.Env = []string{"NATS_URL=" + kit.NATSURL}
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out.String(), "MONGODB_URI is required") {
			t.Errorf("exit = %v, output %s", err, out.String())
		}
	})

	t.Run("a bcrypt cost below 10 is refused", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(bin, "auth"))
		cmd.Env = append(common, "ISSUER_URL=http://127.0.0.1:1", "ADMIN_TOKEN=binary-test-admin-token", "SIGNING_KEY_FILES=",
			"CREDENTIALS_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), "BCRYPT_COST=4")
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out.String(), "BCRYPT_COST=4 must be from 10 to 15") {
			t.Errorf("exit = %v, output %s", err, out.String())
		}
	})

	for _, name := range []string{"directory", "catalog", "invoicing"} {
		t.Run(name, func(t *testing.T) {
			ops := freeAddr(t)
			stop := startBinary(t, filepath.Join(bin, name), append(common, "OPS_ADDR="+ops)...)
			waitStatus(t, "http://"+ops+"/readyz", http.StatusOK)
			stop()
		})
	}

	t.Run("auth and edge", func(t *testing.T) {
		dir := t.TempDir()
		keyFile, eventKeyFile, eventPublicFile := filepath.Join(dir, "signing.pem"), filepath.Join(dir, "events.pem"), filepath.Join(dir, "events.pub")
		for _, f := range []string{keyFile, eventKeyFile} {
			pem, err := eckey.NewPEM()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, pem, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		data, _ := os.ReadFile(eventKeyFile)
		eventKey, err := eckey.ParsePrivate(data)
		if err != nil {
			t.Fatal(err)
		}
		public, err := eckey.EncodePublic(&eventKey.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(eventPublicFile, public, 0o600); err != nil {
			t.Fatal(err)
		}
		authAddr, edgeAddr, adminAddr := freeAddr(t), freeAddr(t), freeAddr(t)
		issuer := "http://" + authAddr
		stopAuth := startBinary(t, filepath.Join(bin, "auth"), append(common,
			"HTTP_ADDR="+authAddr, "OPS_ADDR="+freeAddr(t), "ISSUER_URL="+issuer,
			"ADMIN_TOKEN=binary-test-admin-token", "SIGNING_KEY_FILES="+keyFile, "EVENT_SIGNING_KEY_FILE="+eventKeyFile,
			"CREDENTIALS_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), "BCRYPT_COST=10",
			"ADMIN_ADDR="+adminAddr)...)
		stopEdge := startBinary(t, filepath.Join(bin, "edge"), append(common,
			"HTTP_ADDR="+edgeAddr, "OPS_ADDR="+freeAddr(t), "ISSUER_URL="+issuer, "AUTH_EVENT_KEY_FILES="+eventPublicFile,
			"PAGE_TOKEN_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)))...)
		waitStatus(t, issuer+"/.well-known/jwks.json", http.StatusOK)
		// The admin API on its own listener, and not on the public one.
		waitStatus(t, "http://"+adminAddr+"/admin/v1/api-users", http.StatusUnauthorized)
		waitStatus(t, issuer+"/admin/v1/api-users", http.StatusNotFound)
		waitStatus(t, "http://"+adminAddr+"/.well-known/jwks.json", http.StatusNotFound)
		waitStatus(t, "http://"+edgeAddr+"/apidocs/openapi.yaml", http.StatusOK)
		waitStatus(t, "http://"+edgeAddr+"/api/accounts", http.StatusUnauthorized)
		stopEdge()
		stopAuth()
	})
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String()
}

// startBinary starts path with env; the returned stop sends SIGTERM and
// expects a clean exit (code 0) within 15s.
func startBinary(t *testing.T, path string, env ...string) (stop func()) {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return func() {
		t.Helper()
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("%s exited with %v:\n%s", filepath.Base(path), err, out.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within 15s of SIGTERM:\n%s", filepath.Base(path), out.String())
		}
	}
}

func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err != nil {
			last = err.Error()
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == want {
			return
		}
		last = fmt.Sprint(resp.StatusCode)
	}
	t.Fatalf("GET %s: want %d within 20s, last %s", url, want, last)
}
