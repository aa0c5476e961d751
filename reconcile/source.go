package reconcile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// maxListedErrors bounds the bad rows a report lists; every one is counted.
const maxListedErrors = 1000

// Match keys: how a source resource is found on the server.
const (
	MatchDefault    = ""           // users by externalId, else userName; groups by externalId, else displayName
	MatchExternalID = "externalId" // users and groups by externalId
	MatchUserName   = "userName"   // users by userName, groups by displayName
	MatchID         = "id"         // both by server id
)

// SourceUser is one user of the source of truth. Raw is the resource as
// JSON without what is never compared (id, meta, groups), kept as bytes so
// that memory follows the source's size, not its parsed form.
type SourceUser struct {
	Line       int
	KeyAttr    string // externalId, userName or id
	Key        string
	UserName   string
	ExternalID string
	ID         string
	Active     *bool
	Raw        []byte
}

// SourceGroup is one group of the source. Members name users by their
// match key (externalId, else userName); GroupMembers name nested groups by
// theirs.
type SourceGroup struct {
	Line         int
	KeyAttr      string
	Key          string
	DisplayName  string
	ExternalID   string
	ID           string
	Raw          []byte
	Members      []string
	GroupMembers []string
}

// Source is the parsed source of truth. Bad rows are never dropped
// silently: each is counted in ErrorCount and the first ones listed with
// their line.
type Source struct {
	Format     string // jsonl, listresponse or csv
	Users      []SourceUser
	Groups     []SourceGroup
	Errors     []reports.SourceError
	ErrorCount int

	match    string
	userKeys map[matchKey]int // keyIndex(attr, key) -> index in Users
	grpKeys  map[matchKey]int
	// userAttrs and groupAttrs are the top-level attributes the source
	// names: what the walk asks the server for (attributes=).
	userAttrs, groupAttrs map[string]bool
}

// Memberships counts the memberships the source grants.
func (s *Source) Memberships() int {
	n := 0
	for _, g := range s.Groups {
		n += len(g.Members) + len(g.GroupMembers)
	}
	return n
}

func (s *Source) bad(line int, format string, args ...any) {
	s.ErrorCount++
	if len(s.Errors) < maxListedErrors {
		s.Errors = append(s.Errors, reports.SourceError{Line: line, Error: fmt.Sprintf(format, args...)})
	}
}

// matchKey is a match key as the indexes hold it: the attribute and its
// value (a struct, so a lookup builds no string).
type matchKey struct{ attr, v string }

// keyIndex is the index key of a match key value: userName and
// displayName are caseExact=false (RFC 7643 §4.1.1, §4.2), externalId and
// id are caseExact.
func keyIndex(attr, v string) matchKey {
	if attr == "userName" || attr == "displayName" {
		v = strings.ToLower(v)
	}
	return matchKey{attr, v}
}

func newSource(format, match string) *Source {
	return &Source{Format: format, match: match, userKeys: map[matchKey]int{}, grpKeys: map[matchKey]int{},
		userAttrs: map[string]bool{}, groupAttrs: map[string]bool{}}
}

// ReadSource parses a source of truth: CSV when name ends in .csv, else
// JSON Lines of SCIM Users and Groups, or one SCIM ListResponse (or a JSON
// array of resources). The error is for a source that cannot be read at
// all; bad rows are in Source.Errors.
func ReadSource(r io.Reader, name, match string) (*Source, error) {
	switch match {
	case MatchDefault, MatchExternalID, MatchUserName, MatchID:
	default:
		return nil, fmt.Errorf("match %q: want externalId, userName or id", match)
	}
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		return readCSV(r, match)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	if first == '[' {
		return readDocument(br, match)
	}
	return readJSONLines(br, match)
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return 0, errors.New("the source is empty")
		}
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\r' && b != '\n' && b != 0xEF && b != 0xBB && b != 0xBF {
			return b, br.UnreadByte()
		}
	}
}

// readJSONLines reads one resource per line. A first line that is not a
// whole JSON value, or that is a ListResponse, makes the file one document.
func readJSONLines(br *bufio.Reader, match string) (*Source, error) {
	src := newSource("jsonl", match)
	var head, long []byte
	for line := 1; ; line++ {
		b, err := readLine(br, &long)
		if len(b) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		t := bytes.TrimSpace(b)
		if line == 1 {
			head = append([]byte(nil), b...)
			if !json.Valid(t) || fakeidp.Get(t, "Resources").IsArray() {
				return readDocument(io.MultiReader(bytes.NewReader(head), br), match)
			}
		}
		if len(t) > 0 {
			src.add(line, t)
		}
		if err == io.EOF {
			break
		}
	}
	return src, nil
}

// readLine reads the next line, its bytes valid until the next read (no
// copy per line); one longer than br's buffer is gathered in *long.
func readLine(br *bufio.Reader, long *[]byte) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return b, err
	}
	*long = append((*long)[:0], b...)
	for err == bufio.ErrBufferFull {
		b, err = br.ReadSlice('\n')
		*long = append(*long, b...)
	}
	return *long, err
}

// readDocument reads one JSON document: a ListResponse or an array of
// resources. Each resource's line is where it starts.
func readDocument(r io.Reader, match string) (*Source, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	src := newSource("listresponse", match)
	lines := &lineCounter{data: data, line: 1}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := seekResources(dec); err != nil {
		return nil, fmt.Errorf("line %d: %v", lines.at(int(dec.InputOffset())), err)
	}
	for dec.More() {
		start := lines.at(skipSpace(data, int(dec.InputOffset())))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("line %d: %v (the rest of the document cannot be read)", start, err)
		}
		src.add(start, raw)
	}
	return src, nil
}

// seekResources moves dec to the first element of the resources array:
// the document itself when it is an array, else its "Resources" member.
func seekResources(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if tok == json.Delim('[') {
		return nil
	}
	if tok != json.Delim('{') {
		return errors.New("want JSON Lines, a ListResponse object or an array of resources")
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		if k, _ := key.(string); strings.EqualFold(k, "Resources") {
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return errors.New(`"Resources" is not an array`)
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New(`a JSON object without "Resources": want a ListResponse (or JSON Lines of resources)`)
}

func skipSpace(data []byte, off int) int {
	for off < len(data) && (data[off] == ' ' || data[off] == '\n' || data[off] == '\r' || data[off] == '\t' || data[off] == ',') {
		off++
	}
	return off
}

// lineCounter turns increasing byte offsets into line numbers.
type lineCounter struct {
	data []byte
	off  int
	line int
}

func (l *lineCounter) at(off int) int {
	off = min(off, len(l.data))
	if off > l.off {
		l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
		l.off = off
	}
	return l.line
}
