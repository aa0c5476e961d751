package fakeidp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writePEM writes one PEM block to a file in dir and returns its path.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return p
}

// testPKI is a throwaway CA with a server certificate for 127.0.0.1 and a
// client certificate.
type testPKI struct {
	caFile, clientCert, clientKey string
	pool                          *x509.CertPool
	server                        tls.Certificate
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scimloop test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		return der, key
	}
	srvDER, srvKey := leaf(2, x509.ExtKeyUsageServerAuth)
	cliDER, cliKey := leaf(3, x509.ExtKeyUsageClientAuth)
	cliKeyDER, err := x509.MarshalECPrivateKey(cliKey)
	require.NoError(t, err)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{
		caFile:     writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER),
		clientCert: writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER),
		clientKey:  writePEM(t, dir, "client-key.pem", "EC PRIVATE KEY", cliKeyDER),
		pool:       pool,
		server:     tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey},
	}
}

func tlsServer(t *testing.T, pki testPKI, requireClientCert bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write([]byte(`{}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pki.server}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
		srv.TLS.ClientCAs = pki.pool
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestTLSWithCACert(t *testing.T) {
	pki := newTestPKI(t)
	srv := tlsServer(t, pki, false)
	ctx := context.Background()

	// Without the CA: a clear error that names the fix.
	c, err := NewClient(srv.URL, WithTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = c.Do(ctx, Request{Method: "GET", Path: "/ServiceProviderConfig"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--ca-cert")

	c, err = NewClient(srv.URL, WithTLS(pki.caFile, false, "", ""))
	require.NoError(t, err)
	ex, err := c.Do(ctx, Request{Method: "GET", Path: "/ServiceProviderConfig"})
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)

	c, err = NewClient(srv.URL, WithTLS("", true, "", ""))
	require.NoError(t, err)
	ex, err = c.Do(ctx, Request{Method: "GET", Path: "/ServiceProviderConfig"})
	require.NoError(t, err, "--insecure skips verification")
	assert.Equal(t, 200, ex.Status)
}

func TestTLSClientCertificate(t *testing.T) {
	pki := newTestPKI(t)
	srv := tlsServer(t, pki, true)
	ctx := context.Background()

	c, err := NewClient(srv.URL, WithTLS(pki.caFile, false, "", ""), WithTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = c.Do(ctx, Request{Method: "GET", Path: "/Users"})
	require.Error(t, err, "the server wants a client certificate")
	assert.Contains(t, err.Error(), "TLS")

	c, err = NewClient(srv.URL, WithTLS(pki.caFile, false, pki.clientCert, pki.clientKey))
	require.NoError(t, err)
	ex, err := c.Do(ctx, Request{Method: "GET", Path: "/Users"})
	require.NoError(t, err)
	assert.Equal(t, 200, ex.Status)
}

func TestTLSBadFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	require.NoError(t, os.WriteFile(junk, []byte("not a certificate"), 0o600))
	for name, opt := range map[string]Option{
		"missing CA":         WithTLS(filepath.Join(dir, "nope.pem"), false, "", ""),
		"CA without PEM":     WithTLS(junk, false, "", ""),
		"cert without key":   WithTLS("", false, junk, ""),
		"unreadable keypair": WithTLS("", false, junk, junk),
	} {
		_, err := NewClient("https://127.0.0.1:1", opt)
		assert.Error(t, err, name)
	}
}

func TestTLSPlainHTTPServerIsClear(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c, err := NewClient("https://"+srv.Listener.Addr().String(), WithTimeout(5*time.Second))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), Request{Method: "GET", Path: "/Users"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TLS")
}
