package fakeidp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuth2 configures the OAuth 2.0 client credentials grant (RFC 6749 §4.4),
// the way Entra ID and most enterprise IdPs authenticate to SCIM servers.
type OAuth2 struct {
	TokenURL     string
	ClientID     string
	ClientSecret string // never from a command-line flag: a file or the environment
	Scopes       []string
	// EarlyExpiry refreshes a token this long before it expires; 0 means
	// 10 seconds, a negative value means only at expiry.
	EarlyExpiry time.Duration
}

// WithOAuth2 authenticates every request with a bearer token obtained by
// the client credentials grant, refreshed when it expires. The token request
// goes through the client's own transport (so --ca-cert, --insecure and the
// client certificate apply), never follows redirects, and is bounded by the
// client's timeout. The client secret and every token are scrubbed from
// anything recorded.
func WithOAuth2(cfg OAuth2) Option {
	return func(c *Client) {
		if err := cfg.validate(); err != nil {
			c.setOptErr(err)
			return
		}
		if cfg.ClientSecret != "" {
			c.secrets = append(c.secrets, cfg.ClientSecret)
		}
		var (
			once    sync.Once
			src     oauth2.TokenSource
			initErr error
		)
		// Built on first use, so that options given after this one (TLS,
		// timeout, the HTTP client, --insecure-http) apply to it too.
		c.tokenSource = func(ctx context.Context) (string, error) {
			once.Do(func() {
				if u, _ := url.Parse(cfg.TokenURL); u.Scheme == "http" && !IsLoopback(u.Hostname()) && !c.insecureHTTP {
					initErr = fmt.Errorf("--oauth-token-url %q: plain http is allowed only to loopback hosts (the client secret would travel unencrypted)", cfg.TokenURL)
					return
				}
				src = cfg.source(c)
			})
			if initErr != nil {
				return "", initErr
			}
			tok, err := src.Token()
			if err != nil {
				return "", describeOAuthError(err)
			}
			if tok.AccessToken == "" {
				return "", errors.New("the token endpoint answered without an access_token")
			}
			return tok.AccessToken, nil
		}
	}
}

func (cfg OAuth2) validate() error {
	u, err := url.Parse(cfg.TokenURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--oauth-token-url %q: want an absolute https URL", cfg.TokenURL)
	}
	if cfg.ClientID == "" {
		return errors.New("OAuth2 client credentials need a client id (--oauth-client-id)")
	}
	if cfg.ClientSecret == "" {
		return errors.New("OAuth2 client credentials need a client secret (--oauth-client-secret-file or SCIMLOOP_OAUTH_CLIENT_SECRET)")
	}
	return nil
}

// source builds the refreshing token source over c's transport.
func (cfg OAuth2) source(c *Client) oauth2.TokenSource {
	hc := &http.Client{
		Transport:     c.http.Transport,
		Timeout:       c.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cc := &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	early := cfg.EarlyExpiry
	switch {
	case early == 0:
		early = 10 * time.Second
	case early < 0:
		early = time.Nanosecond // oauth2 reads 0 as its default of 10s
	}
	return oauth2.ReuseTokenSourceWithExpiry(nil, fetcher{cc: cc, ctx: ctx}, early)
}

// fetcher asks the token endpoint for a new token each time; the reuse
// wrapper around it decides when.
type fetcher struct {
	cc  *clientcredentials.Config
	ctx context.Context
}

func (f fetcher) Token() (*oauth2.Token, error) { return f.cc.Token(f.ctx) }

// describeOAuthError keeps the token endpoint's error code and description
// but not its whole body, which could echo what was sent.
func describeOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		msg := fmt.Sprintf("the token endpoint answered %d", status)
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += " (" + cut1(re.ErrorDescription, 200) + ")"
		}
		return errors.New(msg)
	}
	return err
}

func cut1(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
