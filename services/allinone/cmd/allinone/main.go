// Command allinone runs the whole Reseller API platform in one process over
// an embedded nats-server and FerretDB, seeds demo data on the first start
// and prints the commands to try it. `make run` starts it.
//
// Environment: DATA_DIR (./.data), HTTP_ADDR (127.0.0.1:8080), NATS_ADDR
// (127.0.0.1:4222; every party has its NATS user and password, kept in
// DATA_DIR), MONGODB_ADDR (none: the store is reached over a private Unix
// socket; an address adds a TLS listener that serves only clients with
// the certificate generated in DATA_DIR/store-tls), PUBLIC_URL
// (http://HTTP_ADDR), ADMIN_TOKEN (generated and kept in DATA_DIR),
// FERRETDB_POSTGRESQL_URL (use FerretDB's PostgreSQL handler), SEED_DEMO
// (true), BCRYPT_COST (12), LOG_LEVEL (info).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/resellerapi/platform/pkg/config"
	"github.com/resellerapi/platform/pkg/logging"
	"github.com/resellerapi/platform/pkg/tracing"
	"github.com/resellerapi/platform/services/allinone/platform"
	authservice "github.com/resellerapi/platform/services/auth/service"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "allinone:", err)
		os.Exit(1)
	}
}

func run() error {
	env := config.FromEnv()
	cfg := platform.Config{
		DataDir:               env.String("DATA_DIR", ".data"),
		HTTPAddr:              env.String("HTTP_ADDR", "127.0.0.1:8080"),
		OpsAddr:               env.String("OPS_ADDR", "127.0.0.1:9090"),
		NATSAddr:              env.String("NATS_ADDR", "127.0.0.1:4222"),
		MongoAddr:             env.String("MONGODB_ADDR", ""),
		FerretDBPostgreSQLURL: env.String("FERRETDB_POSTGRESQL_URL", ""),
		PublicURL:             env.String("PUBLIC_URL", ""),
		AdminToken:            env.String("ADMIN_TOKEN", ""),
		SeedDemo:              env.String("SEED_DEMO", "true") == "true",
		BcryptCost:            env.Int("BCRYPT_COST", authservice.Defaults().BcryptCost),
		Logger:                logging.New(os.Stdout, "allinone", logging.ParseLevel(env.String("LOG_LEVEL", "info"))),
	}
	env.Check(authservice.CheckBcryptCost(cfg.BcryptCost))
	if err := env.Err(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := tracing.Setup(ctx, "allinone")
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.WithoutCancel(ctx)) }()

	p, err := platform.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	printWelcome(os.Stdout, p, cfg.DataDir)
	return p.Run(ctx)
}

// storeAccess says how another process reaches the store.
func storeAccess(p *platform.Platform) string {
	if p.MongoTLSAddr == "" {
		return "not listening (MONGODB_ADDR=127.0.0.1:27017 adds a TLS listener for client certificates)"
	}
	return fmt.Sprintf("mongosh \"mongodb://%s/?tls=true&tlsCAFile=%s&tlsCertificateKeyFile=%s\"",
		p.MongoTLSAddr, p.StoreTLS.CA, p.StoreTLS.Client)
}

func printWelcome(w io.Writer, p *platform.Platform, dataDir string) {
	seeded := "demo data from an earlier start"
	if p.Seeded {
		seeded = "demo data published: resellers res-cloudnova (12 accounts), res-bytebridge (3), res-cloudnova-cy (1); 8 products on 2 price lists"
	}
	fmt.Fprintf(w, `
Reseller API platform is running (data in %s; %s)
  API and docs   %s/apidocs/?urls.primaryName=API%%20Version%%203%%20for%%20Resellers
  console        %s/console/   (sign in with the admin token below, or a reseller's storefront key)
  NATS           %s   (a user and password per party; backofficectl's below)
  MongoDB wire   %s
  health         %s/readyz   metrics %s/metrics

Try the seed's flow (copy and paste):

  export API=%s ADMIN_TOKEN=%s
  export NATS_URL=%s   # backofficectl publish reseller|account --file F

  # 1. the distributor activates the Reseller API (every reseller gets its own client key + secret)
  curl -s -X POST $API/admin/v1/reseller-api/credentials -H "Authorization: Bearer $ADMIN_TOKEN"

  # 2. the reseller's storefront shows them and creates an Application User
  curl -s $API/admin/v1/resellers/res-cloudnova/api-credentials -H "Authorization: Bearer $ADMIN_TOKEN"
  curl -s -X POST $API/admin/v1/resellers/res-cloudnova/api-users -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H "Content-Type: application/json" \
    -d '{"username":"cloudnova-dev","email":"dev@cloudnova.example","password":"Reseller-Api-2026","confirmPassword":"Reseller-Api-2026"}'

  # 3. the reseller's developer gets a token with the password grant
  CREDS=$(curl -s $API/admin/v1/resellers/res-cloudnova/api-credentials -H "Authorization: Bearer $ADMIN_TOKEN")
  KEY=$(echo "$CREDS" | sed 's/.*"clientKey":"\([^"]*\)".*/\1/'); SECRET=$(echo "$CREDS" | sed 's/.*"clientSecret":"\([^"]*\)".*/\1/')
  TOKEN=$(curl -s -u "$KEY:$SECRET" -d grant_type=password -d username=cloudnova-dev -d password=Reseller-Api-2026 $API/oauth/token \
    | sed 's/.*"access_token":"\([^"]*\)".*/\1/')

  # 4. and reads the reseller's accounts, products and invoices (one as a PDF)
  curl -X GET "$API/api/accounts?pageIndex=1&pageSize=10" -H "accept: application/json" -H "authorization: Bearer $TOKEN" -H "X-api-version: 3"
  curl -s "$API/api/products" -H "authorization: Bearer $TOKEN"
  curl -s "$API/api/invoices?status=overdue" -H "authorization: Bearer $TOKEN"
  curl -s -o CN-2026-0009.pdf "$API/api/invoices/inv-cn-2026-09/pdf" -H "authorization: Bearer $TOKEN"

  # 5. a manager of the reseller gets an API token and reads a downstream reseller's profile (JSON:API)
  MANAGER=$(curl -s -X POST $API/admin/v1/resellers/res-cloudnova/managers -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H "Content-Type: application/json" -d '{"name":"Sofia Nikolaou","email":"sofia@cloudnova.example","role":"admin"}' \
    | sed 's/.*"id":"\([^"]*\)".*/\1/')
  T=$(curl -s -X POST $API/admin/v1/managers/$MANAGER/api-tokens -H "Authorization: Bearer $ADMIN_TOKEN" \
    | sed 's/.*"apiToken":"\([^"]*\)".*/\1/')
  curl -s -H "X-Api-Token: $T" -H "Content-Type: application/vnd.api+json" -H "Accept: application/vnd.api+json" \
    $API/api/v3/customer_store/resellers/res-limassol-it

  # 6. the developer subscribes a receiver to webhooks (the answer carries the signing secret, once) and pings it;
  #    run the receiver in another terminal: WEBHOOK_SECRET=whsec_... go run ./sdk/go/cmd/webhookecho -addr 127.0.0.1:8099
  #    then every account, invoice and profile change backofficectl publishes arrives there, signed
  WH=$(curl -s -X POST $API/api/webhooks -H "authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"url":"http://127.0.0.1:8099/","events":["*"],"description":"webhookecho"}')
  echo "$WH"; WH_ID=$(echo "$WH" | sed 's/.*"id":"\([^"]*\)".*/\1/')
  curl -s -X POST $API/api/webhooks/$WH_ID/test -H "authorization: Bearer $TOKEN"
  curl -s $API/api/webhooks/$WH_ID/deliveries -H "authorization: Bearer $TOKEN"

`, dataDir, seeded, p.URL, p.URL, p.NATSURL, storeAccess(p), p.OpsURL, p.OpsURL, p.URL, p.AdminToken, p.NATSURLFor("backoffice"))
}
