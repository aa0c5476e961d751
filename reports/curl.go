package reports

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/internal/redact"
)

// TokenEnv is the environment variable a curl command reads the bearer
// token from: the one scimloop itself reads.
const TokenEnv = "SCIMLOOP_TOKEN"

// curlSkipHeaders are request headers curl sets itself.
var curlSkipHeaders = []string{"content-length", "host", "user-agent", "accept-encoding", "connection"}

// plainHeaderName matches header names that are safe inside double quotes.
var plainHeaderName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// Curl renders one recorded request as a curl command line for a POSIX
// shell that sends it again, so that a finding can be reproduced without
// scimloop. Credentials never appear: Authorization is sent as "Bearer
// $SCIMLOOP_TOKEN", and any other credential header (or a value the
// recorder redacted) as an environment variable named after the header,
// e.g. $SCIMLOOP_HEADER_X_API_KEY. The body goes through --data-binary.
// Every argument is quoted, so bodies with quotes, newlines or any other
// character survive; -g keeps curl from reading [ ] and { } in the URL as
// globs.
func Curl(e Exchange) string {
	args := []string{"curl", "-sS", "-i", "-g"}
	switch e.Method {
	case "", "GET":
	case "HEAD":
		args = append(args, "--head")
	default:
		args = append(args, "-X", shQuote(e.Method))
	}
	args = append(args, shQuote(e.URL))
	names := make([]string, 0, len(e.RequestHeaders))
	for name := range e.RequestHeaders {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if slices.Contains(curlSkipHeaders, strings.ToLower(name)) {
			continue
		}
		for _, v := range e.RequestHeaders[name] {
			args = append(args, "-H", curlHeader(name, v))
		}
	}
	switch {
	case e.RequestBody == "":
	case hasControl(e.RequestBody):
		// Raw control bytes (NUL cannot be an argument at all, and reports
		// drop \r) go through printf's octal escapes and curl's stdin.
		return "printf " + printfQuote(e.RequestBody) + " | " + strings.Join(append(args, "--data-binary", "@-"), " ")
	default:
		args = append(args, "--data-binary", shQuote(e.RequestBody))
	}
	return strings.Join(args, " ")
}

// hasControl reports whether s holds a control byte other than \n and \t.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f })
}

// printfQuote writes s as a single-quoted printf format that prints s: %
// and \ doubled, control bytes other than \n and \t as octal escapes.
func printfQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			b.WriteString(`'\''`)
		case c == '%':
			b.WriteString("%%")
		case c == '\\':
			b.WriteString(`\\`)
		case (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// curlHeader renders one header argument, a credential as its variable.
func curlHeader(name, value string) string {
	lower := strings.ToLower(name)
	if !redact.IsSecretHeader(name) && !strings.Contains(value, redact.Redacted) {
		return shQuote(name + ": " + value)
	}
	prefix, env := "", HeaderEnv(name)
	if lower == "authorization" {
		prefix, env = "Bearer ", TokenEnv
	}
	if plainHeaderName.MatchString(name) {
		return `"` + name + ": " + prefix + "$" + env + `"`
	}
	return shQuote(name+": "+prefix) + `"$` + env + `"`
}

// HeaderEnv is the environment variable a curl command reads a credential
// header's value from: SCIMLOOP_HEADER_ and the name in upper case, every
// character that is not a letter or digit as '_'.
func HeaderEnv(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			b[i] = '_'
		}
	}
	return "SCIMLOOP_HEADER_" + string(b)
}

// shellSafe matches words that need no quotes in a POSIX shell.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shQuote quotes s as one word for a POSIX shell: inside single quotes,
// where nothing is special but the single quote itself, written as '\”.
func shQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
