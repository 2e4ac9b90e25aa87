package eventbus_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/resellerapi/platform/proto-events/subjects"

	"github.com/resellerapi/platform/pkg/eventbus"
	"github.com/resellerapi/platform/pkg/infra"
)

// tlsServer starts a nats-server that speaks TLS only, with a certificate
// of a CA of its own, written to a PEM file whose path it returns.
func tlsServer(t *testing.T) (natsURL, caFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caCert, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, TLS: true, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12,
			Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: srvKey}}}})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(srv.Shutdown)
	return strings.Replace(srv.ClientURL(), "nats://", "tls://", 1), caFile
}

func TestTheBusConnectsOverTLSWithTheServersCA(t *testing.T) {
	natsURL, caFile := tlsServer(t)
	if _, err := eventbus.Connect(eventbus.Config{NATSURL: natsURL, Service: "tls"}); err == nil {
		t.Fatal("connected to a server whose certificate nobody trusts")
	}
	bus, err := eventbus.Connect(eventbus.Config{NATSURL: natsURL, Service: "tls", TLS: eventbus.TLS{CAFile: caFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Close() }()
	if err := bus.EnsureStreams(infra.Streams()...); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	if err := bus.Publish(context.Background(), eventbus.On(subjects.Accounts, accountEvent(id, 1))); err != nil {
		t.Fatal(err)
	}
}

func TestRedactKeepsPasswordsOutOfLogs(t *testing.T) {
	got := eventbus.Redact("nats://directory:s3cret@10.0.0.1:4222,nats://directory:s3cret@10.0.0.2:4222")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "directory@10.0.0.2:4222") {
		t.Errorf("Redact = %q", got)
	}
}
