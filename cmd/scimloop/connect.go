package main

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scimloop/scimloop/fakeidp"
)

// connFlags are the flags that say how to reach a server safely: TLS trust,
// client certificates and OAuth2 client credentials. "run", "cleanup" (and
// any command that talks to a server) share them.
type connFlags struct {
	caCert, clientCert, clientKey string
	insecure                      bool
	oauthTokenURL, oauthClientID  string
	oauthSecretFile               string
	oauthScopes                   []string
	cmd                           *cobra.Command
}

// oauthSecretEnv holds the OAuth2 client secret when no file is given.
const oauthSecretEnv = "SCIMLOOP_OAUTH_CLIENT_SECRET"

func (c *connFlags) register(cmd *cobra.Command) {
	c.cmd = cmd
	fl := cmd.Flags()
	fl.StringVar(&c.caCert, "ca-cert", "", "PEM file of CA certificates to trust for the server (and the OAuth2 token endpoint), in addition to the system's")
	fl.BoolVar(&c.insecure, "insecure", false, "do NOT verify the server's TLS certificate (testing only: credentials can then be intercepted)")
	fl.StringVar(&c.clientCert, "client-cert", "", "PEM client certificate for mutual TLS (with --client-key)")
	fl.StringVar(&c.clientKey, "client-key", "", "PEM private key of --client-cert")
	fl.StringVar(&c.oauthTokenURL, "oauth-token-url", "", "OAuth2 token endpoint: authenticate with the client credentials grant, refreshing tokens as they expire")
	fl.StringVar(&c.oauthClientID, "oauth-client-id", "", "OAuth2 client id (with --oauth-token-url)")
	fl.StringVar(&c.oauthSecretFile, "oauth-client-secret-file", "", "read the OAuth2 client secret from this file (default: $"+oauthSecretEnv+"); never given as a flag value")
	fl.StringSliceVar(&c.oauthScopes, "oauth-scope", nil, "OAuth2 scope to request (repeatable or comma-separated)")
}

// options returns the client options the flags ask for and the secrets to
// keep out of every output. hasBearer says whether another credential
// (SCIMLOOP_TOKEN, --token-file, an Authorization header) is configured.
func (c *connFlags) options(hasBearer, insecureHTTP bool) ([]fakeidp.Option, []string, error) {
	var opts []fakeidp.Option
	var secrets []string
	if c.caCert != "" || c.insecure || c.clientCert != "" || c.clientKey != "" {
		if _, err := fakeidp.TLSConfig(c.caCert, c.insecure, c.clientCert, c.clientKey); err != nil {
			return nil, nil, usageErr("%v", err)
		}
		opts = append(opts, fakeidp.WithTLS(c.caCert, c.insecure, c.clientCert, c.clientKey))
		if c.insecure {
			fmt.Fprintln(c.stderr(), "scimloop: WARNING: --insecure: the server's TLS certificate is NOT verified.\n"+
				"scimloop: WARNING: anyone on the network path can pose as the server and read the credentials; use --ca-cert outside of tests.")
		}
	}
	if c.oauthTokenURL == "" {
		if c.oauthClientID != "" || c.oauthSecretFile != "" || len(c.oauthScopes) > 0 {
			return nil, nil, usageErr("--oauth-client-id, --oauth-client-secret-file and --oauth-scope need --oauth-token-url")
		}
		return opts, secrets, nil
	}
	if hasBearer {
		return nil, nil, usageErr("--oauth-token-url and a bearer token (SCIMLOOP_TOKEN, --token-file or an Authorization header) are exclusive: choose one")
	}
	u, err := url.Parse(c.oauthTokenURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, nil, usageErr("--oauth-token-url %q: want an absolute https URL", c.oauthTokenURL)
	}
	if u.Scheme == "http" && !fakeidp.IsLoopback(u.Hostname()) && !insecureHTTP {
		return nil, nil, usageErr("--oauth-token-url %q: plain http is allowed only to loopback hosts (the client secret would travel unencrypted)", c.oauthTokenURL)
	}
	if c.oauthClientID == "" {
		return nil, nil, usageErr("--oauth-token-url needs --oauth-client-id")
	}
	secret := os.Getenv(oauthSecretEnv)
	if c.oauthSecretFile != "" {
		b, err := os.ReadFile(c.oauthSecretFile)
		if err != nil {
			return nil, nil, usageErr("--oauth-client-secret-file: %v", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret == "" {
		return nil, nil, usageErr("--oauth-token-url needs a client secret: --oauth-client-secret-file FILE or $%s", oauthSecretEnv)
	}
	secrets = append(secrets, secret)
	opts = append(opts, fakeidp.WithOAuth2(fakeidp.OAuth2{TokenURL: c.oauthTokenURL, ClientID: c.oauthClientID, ClientSecret: secret, Scopes: c.oauthScopes}))
	return opts, secrets, nil
}

func (c *connFlags) stderr() io.Writer {
	if c.cmd != nil {
		return c.cmd.ErrOrStderr()
	}
	return os.Stderr
}

// hasAuth reports whether a bearer token or an Authorization header is set.
func hasAuth(token string, headers []string) bool {
	if token != "" {
		return true
	}
	for _, h := range headers {
		if name, _, _ := strings.Cut(h, ":"); strings.EqualFold(strings.TrimSpace(name), "Authorization") {
			return true
		}
	}
	return false
}
