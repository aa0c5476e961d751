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
// scimloop. Credentials never appear, in the command or on curl's command
// line when it runs: Authorization is "Bearer $SCIMLOOP_TOKEN", and any
// other credential header (or a value the recorder redacted) an
// environment variable named after the header, e.g.
// $SCIMLOOP_HEADER_X_API_KEY; the shell's printf builtin writes those
// header lines to curl, which reads them with -H @- (curl 7.55 or later),
// so that no other user of the machine sees them in the process list. The
// body goes through --data-binary. Every argument is quoted, so bodies with
// quotes, newlines or any other character survive; -g keeps curl from
// reading [ ] and { } in the URL as globs.
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
	var secret []string // header lines for printf, credentials as variables
	for _, name := range names {
		if slices.Contains(curlSkipHeaders, strings.ToLower(name)) {
			continue
		}
		for _, v := range e.RequestHeaders[name] {
			if line, ok := secretHeader(name, v); ok {
				secret = append(secret, line)
			} else {
				args = append(args, "-H", shQuote(name+": "+v))
			}
		}
	}
	headers := ""
	if len(secret) > 0 {
		headers = "printf '%s\\n' " + strings.Join(secret, " ") + " | "
	}
	switch {
	case e.RequestBody == "":
	case hasControl(e.RequestBody):
		// Raw control bytes (NUL cannot be an argument at all, and reports
		// drop \r) go through printf's octal escapes and curl's stdin; the
		// header lines then come on descriptor 3.
		body := "printf " + printfQuote(e.RequestBody) + " | "
		if headers == "" {
			return body + strings.Join(append(args, "--data-binary", "@-"), " ")
		}
		return headers + "{ " + body + strings.Join(append(args, "-H", "@/dev/fd/3", "--data-binary", "@-"), " ") + "; } 3<&0"
	default:
		args = append(args, "--data-binary", shQuote(e.RequestBody))
	}
	if headers != "" {
		args = append(args, "-H", "@-")
	}
	return headers + strings.Join(args, " ")
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

// secretHeader renders a credential header as one printf argument whose
// value is its variable, and reports false for any other header.
func secretHeader(name, value string) (string, bool) {
	if !redact.IsSecretHeader(name) && !strings.Contains(value, redact.Redacted) {
		return "", false
	}
	prefix, env := "", HeaderEnv(name)
	if strings.EqualFold(name, "authorization") {
		prefix, env = "Bearer ", TokenEnv
	}
	if plainHeaderName.MatchString(name) {
		return `"` + name + ": " + prefix + "$" + env + `"`, true
	}
	return shQuote(name+": "+prefix) + `"$` + env + `"`, true
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
