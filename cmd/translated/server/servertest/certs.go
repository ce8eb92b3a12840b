// Package servertest helps tests of translated's server and its clients,
// and cmd/loadtest: it makes the certificates of a TLS or mutual-TLS
// setup, so that tests need no files of their own, gives a codec that
// sends raw bytes, and a log sink for a server's goroutines. It imports
// nothing of the project.
package servertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Certs are the PEM files of a test setup: a certificate authority, a
// server certificate it signed for localhost, 127.0.0.1 and ::1, and a
// client certificate it signed, each with its key.
type Certs struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// WriteCerts makes a fresh certificate authority and the certificates it
// signs, ECDSA P-256, valid for a day, and writes them into dir.
func WriteCerts(dir string) (Certs, error) {
	c := Certs{
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client.key"),
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return c, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "translated test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return c, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return c, err
	}
	if err := writePEM(c.CA, "CERTIFICATE", caDER); err != nil {
		return c, err
	}
	leaves := []struct {
		serial        int64
		name          string
		usage         x509.ExtKeyUsage
		cert, keyFile string
	}{
		{2, "localhost", x509.ExtKeyUsageServerAuth, c.ServerCert, c.ServerKey},
		{3, "translated test client", x509.ExtKeyUsageClientAuth, c.ClientCert, c.ClientKey},
	}
	for _, l := range leaves {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return c, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(l.serial), Subject: pkix.Name{CommonName: l.name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{l.usage},
		}
		if l.usage == x509.ExtKeyUsageServerAuth {
			tmpl.DNSNames = []string{"localhost"}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return c, err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return c, err
		}
		if err := writePEM(l.cert, "CERTIFICATE", der); err != nil {
			return c, err
		}
		if err := writePEM(l.keyFile, "EC PRIVATE KEY", keyDER); err != nil {
			return c, err
		}
	}
	return c, nil
}

func writePEM(path, typ string, der []byte) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("servertest: %w", err)
	}
	return nil
}
