package reconcile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// planScriptHead is the start of every plan.sh: the checks and the shell
// functions the steps call. It needs a POSIX sh and curl, nothing else:
// the id of a created resource is read from the answer's Location header
// (RFC 7644 §3.3: SHALL) with shell pattern matching, not with jq.
const planScriptHead = `# Nothing has been applied. Review every step before running it.
# Needs only a POSIX sh and curl.
# The bearer token is read from $SCIMLOOP_TOKEN; it is not written here, and
# curl reads it from a here-document, so it is not on any command line either.
# The script stops at the first step the server refuses; the steps before it
# have been applied, so reconcile again before running anything twice.
set -eu
: "${SCIMLOOP_TOKEN:?set SCIMLOOP_TOKEN to a bearer token for the server}"
CR=$(printf '\r')
NL='
'
case $SCIMLOOP_TOKEN in
*"$NL"*|*"$CR"*) echo "plan.sh: SCIMLOOP_TOKEN has a line break in it; a bearer token has none" >&2; exit 1 ;;
esac

# scim METHOD PATH [CURL-ARGS]: one SCIM request; a body is read from standard input.
scim() {
	m=$1; p=$2; shift 2
	curl -sS -X "$m" -H @/dev/fd/3 \
		-H 'Accept: application/scim+json' -H 'Content-Type: application/scim+json' "$@" "$BASE$p" 3<<SCIMLOOP_AUTH
Authorization: Bearer $SCIMLOOP_TOKEN
SCIMLOOP_AUTH
}

# step N METHOD PATH [CURL-ARGS]: request N; its answer is kept in $out.
# Anything but a 2xx status stops the script.
step() {
	n=$1; shift
	if ! out=$(scim "$@" -w "${NL}%{http_code}"); then
		echo "plan.sh: step $n ($1 $2) failed: curl could not send it; the steps before it were applied" >&2
		exit 1
	fi
	status=${out##*"$NL"}
	out=${out%"$NL"*}
	case $status in
	2??) ;;
	*)
		printf '%s\n' "$out" >&2
		echo "plan.sh: step $n ($1 $2) failed: HTTP $status; the steps before it were applied" >&2
		exit 1 ;;
	esac
}

# create N PATH: POSTs the body on standard input and sets NEW_ID to the new
# resource's id: the last segment of the Location header, else the "id" of
# the answer's body.
create() {
	step "$1" POST "$2" -i --data-binary @-
	NEW_ID=
	while IFS= read -r line; do
		line=${line%"$CR"}
		case $line in
		[Ll][Oo][Cc][Aa][Tt][Ii][Oo][Nn]:*)
			NEW_ID=${line#*:}; NEW_ID=${NEW_ID%/}; NEW_ID=${NEW_ID##*/}
			NEW_ID=${NEW_ID#"${NEW_ID%%[! ]*}"} ;;
		'{'*'"id":"'*)
			if [ -z "$NEW_ID" ]; then NEW_ID=${line#*\"id\":\"}; NEW_ID=${NEW_ID%%\"*}; fi ;;
		esac
	done <<SCIMLOOP_ANSWER
$out
SCIMLOOP_ANSWER
	case $NEW_ID in
	''|*[\"\\/%?#\ ]*)
		echo "plan.sh: step $1 created a resource whose id cannot be read from the answer (no Location header, no \"id\"); find it, and run the remaining steps by hand with its id" >&2
		exit 1 ;;
	esac
}
`

// WritePlanScript writes the plan as a POSIX shell script of curl
// commands (plan.sh). The bearer token is read from $SCIMLOOP_TOKEN when
// the script runs; no credential is ever written into it. Each body is a
// here-document, so it is sent byte for byte whatever its size, and a step
// that names a resource an earlier step creates reads the id from that
// step's answer.
func WritePlanScript(w io.Writer, p *Plan) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "#!/bin/sh\n# scimloop reconcile plan: %d SCIM requests that would converge the server with the source.\n", len(p.Steps))
	for i, in := range p.Incomplete {
		if i == 0 {
			b.WriteString("# WARNING: the reconcile was incomplete, so this plan converges only what it could read:\n")
		}
		b.WriteString("#   " + strings.Join(strings.Fields(in), " ") + "\n")
	}
	b.WriteString(planScriptHead)
	b.WriteString("\nBASE=" + shQuote(p.Target) + "\n")
	used := map[string]bool{}
	for _, s := range p.Steps {
		for _, m := range idRef.FindAllStringSubmatch(s.Path+string(s.Body), -1) {
			used[m[1]] = true
		}
	}
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "\n# step %d: %s %s\n", s.Step, s.Method, s.Path)
		create := s.Method == "POST" && used[fmt.Sprint(s.Step)]
		if create {
			fmt.Fprintf(&b, "create %d %s", s.Step, shSplice(s.Path))
		} else {
			fmt.Fprintf(&b, "step %d %s %s", s.Step, s.Method, shSplice(s.Path))
		}
		if s.IfMatch != "" {
			b.WriteString(" -H " + shQuote("If-Match: "+s.IfMatch))
		}
		if len(s.Body) > 0 {
			if !create {
				b.WriteString(" --data-binary @-")
			}
			b.WriteString(" <<SCIMLOOP_BODY\n" + hereDoc(s.Body) + "\nSCIMLOOP_BODY")
		}
		b.WriteString("\n")
		if create {
			fmt.Fprintf(&b, "ID_%d=$NEW_ID\n", s.Step)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// hereDoc renders a body for an unquoted here-document: on one line (JSON
// compacted), with \, $ and ` escaped so the shell sends them as they are,
// and each "{{id N}}" turned into ${ID_N}, the id step N's answer gave.
func hereDoc(body []byte) string {
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	s := string(body)
	esc := strings.NewReplacer(`\`, `\\`, `$`, `\$`, "`", "\\`", "\n", " ", "\r", " ")
	var b strings.Builder
	last := 0
	for _, m := range idRef.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(esc.Replace(s[last:m[0]]))
		b.WriteString("${ID_" + s[m[2]:m[3]] + "}")
		last = m[1]
	}
	b.WriteString(esc.Replace(s[last:]))
	return b.String()
}

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shSplice quotes s, with each "{{id N}}" replaced by "$ID_N".
func shSplice(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range idRef.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(shQuote(s[last:m[0]]))
		b.WriteString(`"$ID_` + s[m[2]:m[3]] + `"`)
		last = m[1]
	}
	b.WriteString(shQuote(s[last:]))
	return b.String()
}
