package fakeidp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// WithTLS configures how the client speaks TLS:
//
//   - caCertFile: a PEM file of CA certificates trusted in addition to the
//     system's (for a staging server with a private CA); "" for none.
//   - insecure: skip verification of the server's certificate. Only for
//     testing: anyone on the path can then read the credentials. Callers
//     should say so loudly.
//   - clientCert, clientKey: PEM files of a client certificate and its key,
//     for servers that want mutual TLS; both or neither.
//
// A file that cannot be read or parsed makes NewClient fail.
func WithTLS(caCertFile string, insecure bool, clientCert, clientKey string) Option {
	return func(c *Client) {
		cfg, err := TLSConfig(caCertFile, insecure, clientCert, clientKey)
		if err != nil {
			c.setOptErr(err)
			return
		}
		c.http.Transport = newTransport(cfg)
	}
}

// TLSConfig builds the TLS configuration WithTLS uses.
func TLSConfig(caCertFile string, insecure bool, clientCert, clientKey string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // opt-in, announced by the caller
	if caCertFile != "" {
		pem, err := os.ReadFile(caCertFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-cert: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-cert %s: no PEM certificate found in the file", caCertFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case clientCert != "" && clientKey != "":
		pair, err := tls.LoadX509KeyPair(clientCert, clientKey)
		if err != nil {
			return nil, fmt.Errorf("--client-cert/--client-key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case clientCert != "" || clientKey != "":
		return nil, errors.New("--client-cert and --client-key go together: give both, or neither")
	}
	return cfg, nil
}

// newTransport is http.DefaultTransport's configuration with cfg, and with
// no proxy taken from the environment surprises beyond the default.
func newTransport(cfg *tls.Config) *http.Transport {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr.TLSClientConfig = cfg
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.ResponseHeaderTimeout = 0 // the per-request timeout bounds the whole exchange
	return tr
}

// describeTLSError turns a certificate or handshake failure into a message
// that says what to do; ok is false when err is not a TLS problem.
func describeTLSError(err error) (error, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("TLS: the server's certificate is signed by an authority this machine does not trust; pass the CA with --ca-cert FILE (or, only for testing, --insecure): %w", err), true
	case errors.As(err, &hostname):
		return fmt.Errorf("TLS: the server's certificate is not valid for this host name; use the host name the certificate names: %w", err), true
	case errors.As(err, &invalid):
		return fmt.Errorf("TLS: the server's certificate is invalid (expired, not yet valid, or not for server use): %w", err), true
	case errors.As(err, &verify):
		return fmt.Errorf("TLS: the server's certificate could not be verified: %w", err), true
	case errors.As(err, &record):
		return fmt.Errorf("TLS: the server did not answer with TLS (is the URL http rather than https?): %w", err), true
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("TLS: the server answered plain HTTP on an https URL (use http:// for a loopback test server): %w", err), true
	case strings.Contains(err.Error(), "tls: "):
		return fmt.Errorf("TLS handshake failed (a client certificate may be required: --client-cert, --client-key): %w", err), true
	}
	return err, false
}
