package main

import (
	"fmt"

	"github.com/scimloop/scimloop/harness"
	"github.com/scimloop/scimloop/internal/redact"
)

// credentialFlags names every way to pass credentials, for messages that
// tell the user how to fix a refused run.
const credentialFlags = `the SCIMLOOP_TOKEN environment variable (a bearer token), --token-file FILE, ` +
	`--header "Authorization: ..." (or another header such as X-Api-Key), ` +
	`or OAuth2 client credentials with --oauth-token-url URL --oauth-client-id ID --oauth-client-secret-file FILE`

// preflightExit turns a run stopped before judging anything into the exit
// code and a message that names the fix: 2 when the command line must
// change (no credentials given, a wrong --url with a better one found), 3
// when the server refused what was given or nothing answered as SCIM.
// ok is false when err did not stop the run in its preflight.
func preflightExit(err error, credentialsGiven bool, secrets []string) (_ error, ok bool) {
	pe, ok := harness.IsPreflight(err)
	if !ok {
		return nil, false
	}
	said := *pe
	said.Credentials = credentialsGiven // the command line knows, X-Api-Key included
	msg := redact.String(said.Error(), redact.Secrets(1, secrets...))
	switch {
	case pe.Kind == harness.PreflightCredentials && !credentialsGiven:
		return &exitError{code: exitUsage, err: fmt.Errorf("%s\nfix: give credentials with %s", msg, credentialFlags)}, true
	case pe.Kind == harness.PreflightCredentials:
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%s\nfix: the credentials given were refused: check the token "+
			"(wrong, expired, or without the right to read /Users) and that --url is the SCIM base URL; credentials come from %s", msg, credentialFlags)}, true
	case pe.Suggest != "":
		return &exitError{code: exitUsage, err: fmt.Errorf("%s\nfix: --url %s", msg, safeURL(pe.Suggest, secrets))}, true
	}
	return &exitError{code: exitIncomplete, err: fmt.Errorf("%s", msg)}, true
}
