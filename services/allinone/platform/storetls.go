package platform

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/resellerapi/platform/pkg/eckey"
)

// StoreTLS are the files of the store's TLS listener: FerretDB has no
// password authentication over SQLite, so a client proves itself with a
// certificate signed by a CA of this data directory.
type StoreTLS struct {
	Dir string
	// CA signs both certificates; Cert and Key are the server's; Client
	// is the client's certificate and key in one file (mongosh's
	// tlsCertificateKeyFile).
	CA, Cert, Key, Client string
}

// loadOrCreateStoreTLS keeps the files an earlier start made in dir, or
// makes them.
func loadOrCreateStoreTLS(dir string) (StoreTLS, error) {
	t := StoreTLS{Dir: dir, CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "server.pem"),
		Key: filepath.Join(dir, "server-key.pem"), Client: filepath.Join(dir, "client.pem")}
	missing := false
	for _, f := range []string{t.CA, t.Cert, t.Key, t.Client} {
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
			missing = true
		}
	}
	if !missing {
		return t, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return t, err
	}
	caKey, err := eckey.New()
	if err != nil {
		return t, err
	}
	ca := &x509.Certificate{Subject: pkix.Name{CommonName: "Reseller API all-in-one store CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, caCert, err := issue(ca, nil, caKey, caKey)
	if err != nil {
		return t, err
	}
	serverKey, err := eckey.New()
	if err != nil {
		return t, err
	}
	serverDER, _, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}, caCert, serverKey, caKey)
	if err != nil {
		return t, err
	}
	clientKey, err := eckey.New()
	if err != nil {
		return t, err
	}
	clientDER, _, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "operator"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, caCert, clientKey, caKey)
	if err != nil {
		return t, err
	}
	serverKeyPEM, err := eckey.EncodePrivate(serverKey)
	if err != nil {
		return t, err
	}
	clientKeyPEM, err := eckey.EncodePrivate(clientKey)
	if err != nil {
		return t, err
	}
	certPEM := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }
	for path, data := range map[string][]byte{t.CA: certPEM(caDER), t.Cert: certPEM(serverDER), t.Key: serverKeyPEM,
		t.Client: append(certPEM(clientDER), clientKeyPEM...)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return t, fmt.Errorf("store TLS: %w", err)
		}
	}
	return t, nil
}

// issue signs template (for key) with parent's signer; a nil parent
// makes it self-signed.
func issue(template, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().AddDate(10, 0, 0)
	if parent == nil {
		parent = template
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, fmt.Errorf("store TLS certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return der, cert, err
}
