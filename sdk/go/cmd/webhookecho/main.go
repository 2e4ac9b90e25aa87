// Command webhookecho is a webhook receiver for trying subscriptions
// out: it listens on a local port, verifies each delivery's signature
// with the subscription's secret (the SDK's VerifyWebhook) and prints the
// event, one line each. Deliveries that do not verify are answered 400 and
// printed as refused.
//
//	WEBHOOK_SECRET=whsec_... webhookecho -addr 127.0.0.1:8099
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	resellerapi "github.com/resellerapi/platform/sdk/go"
)

// maxBody bounds a delivery's body.
const maxBody = 1 << 20

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "address to listen on")
	flag.Parse()
	secret := os.Getenv("WEBHOOK_SECRET")
	if secret == "" {
		fmt.Fprintln(os.Stderr, "webhookecho: set WEBHOOK_SECRET to the subscription's signing secret (whsec_...)")
		os.Exit(2)
	}
	srv := &http.Server{Addr: *addr, Handler: receiver(secret, os.Stdout), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(os.Stderr, "webhookecho: listening on http://%s/\n", *addr)
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("webhookecho", "err", err)
		os.Exit(1)
	}
}

// receiver answers deliveries: 204 for one that verifies (printed to out
// as time, webhook-id, type and data), 400 for one that does not.
func receiver(secret string, out io.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "deliveries are POSTs", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		ev, err := resellerapi.VerifyWebhook(secret, body, r.Header)
		if err != nil {
			fmt.Fprintf(out, "%s refused %s: %v\n", time.Now().UTC().Format(time.RFC3339), r.Header.Get("webhook-id"), err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var data bytes.Buffer
		if err := json.Compact(&data, ev.Data); err != nil {
			data.Reset()
			data.Write(ev.Data)
		}
		fmt.Fprintf(out, "%s %s %s %s\n", ev.Timestamp.UTC().Format(time.RFC3339), ev.ID, ev.Type, data.Bytes())
		w.WriteHeader(http.StatusNoContent)
	})
}
