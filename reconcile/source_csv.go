package reconcile

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// CSVColumns are the columns a CSV source may have; userName is required.
// emails and groups hold several values separated by ";", an e-mail may
// carry its type as "work:ann@example.com"; active is true/false/yes/no/1/0
// or empty (not stated). Each group named in groups becomes a source group,
// known by its displayName; "Engineering <grp-001>" gives it the externalId
// grp-001 too (see [CSVGroupsHelp]).
func CSVColumns() []string {
	return []string{"userName", "externalId", "active", "emails", "displayName", "givenName", "familyName", "groups"}
}

// CSVGroupsHelp says how the groups column is written, for --help and docs.
const CSVGroupsHelp = `groups names the user's groups by displayName, separated by ";". A group
with an externalId is written "displayName <externalId>", e.g.
"Engineering <grp-001>;Staff": it is then matched by that externalId (by
displayName without one; --match forces one key), and its externalId is
compared. Any row may give a group's externalId; rows that give it must
agree, and two groups cannot share one. An entry that ends in ">" must be
a displayName, a space, and a non-empty <externalId>.`

// groupRef is one entry of a groups cell.
type groupRef struct{ name, ext string }

// parseGroups parses a groups cell (see [CSVGroupsHelp]).
func parseGroups(cell string) ([]groupRef, error) {
	var refs []groupRef
	for _, e := range splitList(cell) {
		if !strings.HasSuffix(e, ">") {
			refs = append(refs, groupRef{name: e})
			continue
		}
		i := strings.LastIndex(e, "<")
		if i < 0 {
			return nil, fmt.Errorf("group %q: a \">\" without \"<\" (write \"displayName <externalId>\")", e)
		}
		name, ext := strings.TrimSpace(e[:i]), strings.TrimSpace(e[i+1:len(e)-1])
		switch {
		case name == "":
			return nil, fmt.Errorf("group %q has no displayName before <externalId>", e)
		case ext == "":
			return nil, fmt.Errorf("group %q: the externalId between < and > is empty", e)
		case i == 0 || e[i-1] != ' ':
			return nil, fmt.Errorf("group %q: want a space before <externalId>", e)
		}
		refs = append(refs, groupRef{name: name, ext: ext})
	}
	return refs, nil
}

// csvGroups collects the groups of a CSV source, each known by its
// displayName (case-insensitive), while the rows are read.
type csvGroups struct {
	byName map[string]*SourceGroup
	byExt  map[string]*SourceGroup
	order  []*SourceGroup
}

// check says why a row's group entries contradict earlier rows, if they do.
func (c *csvGroups) check(refs []groupRef) error {
	for _, r := range refs {
		g := c.byName[strings.ToLower(r.name)]
		if r.ext == "" {
			continue
		}
		if g != nil && g.ExternalID != "" && g.ExternalID != r.ext {
			return fmt.Errorf("group %q has externalId %q on line %d, not %q", r.name, g.ExternalID, g.Line, r.ext)
		}
		if o := c.byExt[r.ext]; o != nil && !strings.EqualFold(o.DisplayName, r.name) {
			return fmt.Errorf("group %q: externalId %q is group %q's (line %d)", r.name, r.ext, o.DisplayName, o.Line)
		}
	}
	return nil
}

// add makes the user with match key member a member of each group.
func (c *csvGroups) add(line int, refs []groupRef, member string) {
	for _, r := range refs {
		k := strings.ToLower(r.name)
		g := c.byName[k]
		if g == nil {
			g = &SourceGroup{Line: line, DisplayName: r.name}
			c.byName[k] = g
			c.order = append(c.order, g)
		}
		if r.ext != "" && g.ExternalID == "" {
			g.ExternalID = r.ext
			c.byExt[r.ext] = g
		}
		if !slices.Contains(g.Members, member) {
			g.Members = append(g.Members, member)
		}
	}
}

// finish files the groups in src, each keyed as --match says (externalId
// when it has one, by default) and with the attributes it states.
func (c *csvGroups) finish(src *Source) {
	for _, g := range c.order {
		switch {
		case src.match == MatchExternalID && g.ExternalID == "":
			src.bad(g.Line, "Group %q has no externalId to match it by (write it as \"%s <externalId>\" in groups)", g.DisplayName, g.DisplayName)
			continue
		case src.match == MatchID:
			src.bad(g.Line, "Group %q has no id to match it by (a CSV source has no group ids)", g.DisplayName)
			continue
		case src.match != MatchUserName && g.ExternalID != "":
			g.KeyAttr, g.Key = "externalId", g.ExternalID
		default:
			g.KeyAttr, g.Key = "displayName", g.DisplayName
		}
		raw := map[string]string{"displayName": g.DisplayName}
		if g.ExternalID != "" {
			raw["externalId"] = g.ExternalID
		}
		g.Raw = must(json.Marshal(raw))
		src.grpKeys[keyIndex(g.KeyAttr, g.Key)] = len(src.Groups)
		src.Groups = append(src.Groups, *g)
	}
}

func readCSV(r io.Reader, match string) (*Source, error) {
	src := newSource("csv", match)
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cols, err := csvHeader(cr)
	if err != nil {
		return nil, err
	}
	groups := &csvGroups{byName: map[string]*SourceGroup{}, byExt: map[string]*SourceGroup{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			s := pe.StartLine
			if s == 0 {
				s = pe.Line
			}
			src.bad(s, "%v", pe.Err)
			continue
		} else if err != nil {
			return nil, err
		}
		cell := func(c string) string {
			if i, ok := cols[c]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		m, err := csvUser(cell)
		var refs []groupRef
		if err == nil {
			refs, err = parseGroups(cell("groups"))
		}
		if err == nil {
			err = groups.check(refs)
		}
		if err != nil {
			src.bad(line, "%v", err)
			continue
		}
		before := len(src.Users)
		src.addUser(line, gjson.ParseBytes(must(json.Marshal(m))))
		if len(src.Users) > before {
			groups.add(line, refs, src.Users[before].Key)
		}
	}
	groups.finish(src)
	return src, nil
}

// csvHeader reads the header row: the index of each known column.
func csvHeader(cr *csv.Reader) (map[string]int, error) {
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("line 1: reading the CSV header: %v", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		j := slices.IndexFunc(CSVColumns(), func(c string) bool { return strings.EqualFold(c, h) })
		if j < 0 {
			return nil, fmt.Errorf("line 1: unknown CSV column %q (the columns are %s)", h, strings.Join(CSVColumns(), ", "))
		}
		cols[CSVColumns()[j]] = i
	}
	if _, ok := cols["userName"]; !ok {
		return nil, errors.New("line 1: the CSV header has no userName column")
	}
	return cols, nil
}

func csvUser(cell func(string) string) (map[string]any, error) {
	m := map[string]any{"schemas": []any{fakeidp.SchemaUser}, "userName": cell("userName")}
	for _, a := range []string{"externalId", "displayName"} {
		if v := cell(a); v != "" {
			m[a] = v
		}
	}
	switch strings.ToLower(cell("active")) {
	case "":
	case "true", "yes", "1":
		m["active"] = true
	case "false", "no", "0":
		m["active"] = false
	default:
		return nil, fmt.Errorf("active %q: want true, false, yes, no, 1, 0 or empty", cell("active"))
	}
	name := map[string]any{}
	for _, a := range []string{"givenName", "familyName"} {
		if v := cell(a); v != "" {
			name[a] = v
		}
	}
	if len(name) > 0 {
		m["name"] = name
	}
	var emails []any
	for _, e := range splitList(cell("emails")) {
		t, addr, typed := strings.Cut(e, ":")
		if typed && !strings.Contains(t, "@") {
			emails = append(emails, map[string]any{"type": t, "value": addr})
		} else {
			emails = append(emails, map[string]any{"value": e})
		}
	}
	if len(emails) > 0 {
		m["emails"] = emails
	}
	return m, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func must(b []byte, _ error) []byte { return b }
