package safety

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// This file holds what lets the harness delete by name prefix without ever
// touching a resource it did not create: reading list pages defensively,
// confirming ownership by reading the resource itself, and the prefix sweep
// that "scimloop cleanup" and the end of every run use.

// ListPage is what the harness reads from one page of a ListResponse.
type ListPage struct {
	Items []Listed
	// Total is totalResults, or -1 when absent or not a usable number.
	Total int64
}

// Listed is one listed resource: its id and its name attribute (userName
// for Users, displayName for Groups), "" when absent or not a string.
type Listed struct{ ID, Name string }

// ReadListPage reads one page of a ListResponse, keeping for each resource
// its id and the string value of nameAttr. It never trusts the server: a
// body that is not a JSON object, or Resources that is not an array, is an
// error; resources without a string id are skipped.
func ReadListPage(body []byte, nameAttr string) (ListPage, error) {
	page := ListPage{Total: -1}
	if !fakeidp.IsJSON(body) {
		return page, fmt.Errorf("the list answer is not JSON (%d bytes)", len(body))
	}
	v := gjson.ParseBytes(body)
	if !v.IsObject() {
		return page, fmt.Errorf("the list answer is a JSON %s, want a ListResponse object", v.Type)
	}
	if t := fakeidp.Lookup(v, "totalResults"); t.Type == gjson.Number {
		if f := t.Float(); f >= 0 && f <= math.MaxInt32 && f == math.Trunc(f) {
			page.Total = int64(f)
		}
	}
	res := fakeidp.Lookup(v, "Resources")
	switch {
	case !res.Exists() || res.Type == gjson.Null:
		return page, nil
	case !res.IsArray():
		return page, fmt.Errorf("the list answer's Resources is a JSON %s, want an array", res.Type)
	}
	res.ForEach(func(_, r gjson.Result) bool {
		id := fakeidp.Lookup(r, "id")
		if id.Type != gjson.String || id.Str == "" {
			return true
		}
		it := Listed{ID: id.Str}
		if n := fakeidp.Lookup(r, nameAttr); n.Type == gjson.String {
			it.Name = n.Str
		}
		page.Items = append(page.Items, it)
		return true
	})
	return page, nil
}

// SafeID reports whether a server-issued id can be put into a URL path as
// one segment without reaching another resource: no slash, no query or
// fragment marker, not a dot segment, no control characters.
func SafeID(id string) bool {
	if id == "" || id == "." || id == ".." || len(id) > 1024 {
		return false
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' || r == '?' || r == '#' || r == '%' {
			return false
		}
	}
	return true
}

// hasPrefix reports whether name carries prefix (case-insensitively, as
// userName is).
func hasPrefix(name, prefix string) bool {
	return prefix != "" && len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}

// errGone reports that a resource no longer exists (404); errNotOurs that
// it exists but is not this run's.
var (
	errGone    = errors.New("the resource is gone (404)")
	errNotOurs = errors.New("so it is left alone")
)

// confirmOwned reads typ/id and reports whether it is the run's: its name
// carries prefix or, when sent is not nil, it is the name the run sent to
// create it (case aside; none when the run sent none). It returns errGone on
// 404, and an error that says why otherwise.
func confirmOwned(ctx context.Context, c *fakeidp.Client, typ, id, prefix string, sent *string) (string, error) {
	if !SafeID(id) {
		return "", fmt.Errorf("the id %q is not a safe URL path segment, %w", id, errNotOurs)
	}
	ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ) + "/" + id, Retry: true})
	if err == nil && ex.Status == http.StatusNotAcceptable {
		// A server that will not serve application/scim+json fails the
		// checks that ask for it; the harness still needs to read its own.
		ex, err = c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ) + "/" + id, Retry: true,
			Header: http.Header{"Accept": {"application/json"}}})
	}
	if err != nil {
		return "", fmt.Errorf("reading %s %s to confirm it is ours: %v", typ, id, err)
	}
	switch {
	case ex.Status == http.StatusNotFound:
		return "", errGone
	case ex.Status != http.StatusOK:
		return "", fmt.Errorf("reading %s %s to confirm it is ours answered %d", typ, id, ex.Status)
	}
	name := fakeidp.Get(ex.RespBody, NameAttr(typ))
	if !ourName(name, prefix, sent) {
		return name.String(), fmt.Errorf("%s %s has %s %s, which lacks the run prefix %q: the server confused or reused the id, %w",
			typ, id, NameAttr(typ), clipQuote(name), prefix, errNotOurs)
	}
	if got := fakeidp.Get(ex.RespBody, "id"); got.Exists() && got.String() != id {
		return name.Str, fmt.Errorf("%s %s answered a resource with id %q, %w", typ, id, got.String(), errNotOurs)
	}
	return name.Str, nil
}

// ourName reports whether name makes a resource the run's: it carries the
// run prefix, or it is the name the run sent (sent not nil), none included.
// A name of the server's own choosing is not enough: a server that answers a
// create with an existing resource (an upsert) must not hand the run someone
// else's data.
func ourName(name gjson.Result, prefix string, sent *string) bool {
	str := name.Type == gjson.String
	switch {
	case str && hasPrefix(name.Str, prefix):
		return true
	case sent == nil:
		return false
	case *sent == "":
		return !name.Exists() || name.Type == gjson.Null || str && name.Str == ""
	}
	return strings.EqualFold(name.String(), *sent) && (str || name.Type == gjson.Number)
}

func clipQuote(v gjson.Result) string {
	if !v.Exists() {
		return "(absent)"
	}
	s := v.String()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strconv.Quote(s)
}

// prefixPattern is the shape of a run prefix: "scimloop-<run id>-".
var prefixPattern = regexp.MustCompile(`^scimloop-[a-z0-9]{4,40}-$`)

// CheckSweepPrefix refuses a prefix that could match anything but one run's
// resources: it must look like "scimloop-<run id>-" (the prefix a run
// reports in results.json), so a typo cannot wipe a tenant.
func CheckSweepPrefix(prefix string) error {
	if !prefixPattern.MatchString(prefix) {
		return fmt.Errorf("prefix %q: want a run prefix of the form scimloop-<run id>- (4 to 40 lower-case letters or digits, as results.json's \"prefix\" shows)", prefix)
	}
	return nil
}

// SweepOptions tune [Sweep].
type SweepOptions struct {
	DryRun   bool // list what would be deleted, delete nothing
	PageSize int  // default 100
	MaxPages int  // per resource type; default 50
	// Cursor pages with RFC 9865 cursors, for a server that advertises
	// pagination.cursor; index paging stays the fallback when a cursor
	// request is refused.
	Cursor bool
}

// SweepReport is what a sweep found and did.
type SweepReport struct {
	Deleted []Tracked          // deleted (or, with DryRun, would be deleted)
	Left    []reports.Leftover // ours, but could not be deleted
	Refused []reports.Leftover // listed with the prefix, but the resource itself says otherwise
	Errors  []string           // listing problems
}

// Sweep deletes every Group and then every User whose name (displayName,
// userName) starts with prefix. It lists with a "sw" filter, re-checks
// every listed name itself (a server may ignore the filter), and reads each
// resource before deleting it (a server may list a wrong id), so it touches
// nothing without the prefix. Use [CheckSweepPrefix] on user input first.
func Sweep(ctx context.Context, c *fakeidp.Client, prefix string, opt SweepOptions) SweepReport {
	var rep SweepReport
	if prefix == "" {
		rep.Errors = append(rep.Errors, "refusing to sweep with an empty prefix")
		return rep
	}
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	if opt.MaxPages <= 0 {
		opt.MaxPages = 50
	}
	for _, typ := range []string{"Group", "User"} {
		found, err := listPrefixed(ctx, c, typ, prefix, opt)
		if err != nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
		for _, it := range found {
			if _, err := confirmOwned(ctx, c, typ, it.ID, prefix, nil); err != nil {
				switch {
				case errors.Is(err, errGone):
				case errors.Is(err, errNotOurs):
					rep.Refused = append(rep.Refused, reports.Leftover{Type: typ, ID: it.ID, Name: it.Name, Error: err.Error()})
				default:
					rep.Left = append(rep.Left, reports.Leftover{Type: typ, ID: it.ID, Name: it.Name, Error: err.Error()})
				}
				continue
			}
			if opt.DryRun {
				rep.Deleted = append(rep.Deleted, Tracked{Type: typ, ID: it.ID, Name: it.Name})
				continue
			}
			ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodDelete, Path: Endpoint(typ) + "/" + it.ID, Retry: true})
			switch {
			case err != nil:
				rep.Left = append(rep.Left, reports.Leftover{Type: typ, ID: it.ID, Name: it.Name, Error: err.Error()})
			case ex.Status == http.StatusNoContent || ex.Status == http.StatusOK || ex.Status == http.StatusNotFound:
				rep.Deleted = append(rep.Deleted, Tracked{Type: typ, ID: it.ID, Name: it.Name})
			default:
				rep.Left = append(rep.Left, reports.Leftover{Type: typ, ID: it.ID, Name: it.Name, Error: fmt.Sprintf("DELETE answered %d", ex.Status)})
			}
		}
	}
	return rep
}

// PrefersCursors reads /ServiceProviderConfig and reports whether a walk
// should page by cursor ([PagesByCursor]'s rule: cursors offered, and index
// paging off or not the default), for a sweep run without the harness's
// discovery; any failure reads as no, and the sweep's fallback to the other
// method still covers a server that refuses index paging.
func PrefersCursors(ctx context.Context, c *fakeidp.Client) bool {
	ex, err := c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig", Retry: true})
	return err == nil && ex.Status == http.StatusOK && fakeidp.PaginationOf(ex.RespBody).PrefersCursor()
}

// NextCursor reads the nextCursor of a cursor page whose request sent
// cursor prev, and reports whether a cursor walk goes on. It ends without
// a nextCursor (the last page, RFC 9865 §2), and, so that a faulty server
// cannot keep a walk going forever, when the cursor repeats or the page
// was stale (it brought only resources already seen).
func NextCursor(body []byte, prev string, stale bool) (string, bool) {
	next := fakeidp.Get(body, "nextCursor")
	if next.Type != gjson.String || next.Str == "" || next.Str == prev || stale {
		return "", false
	}
	return next.Str, true
}

// listPrefixed lists typ's resources whose name really starts with prefix,
// each id once. It filters with "sw"; a server that declines that filter
// (filtering and sw are optional, RFC 7644 §3.4.2.2) is walked unfiltered
// instead, within the same page bound. It pages by cursor first when
// opt.Cursor is set, and tries the other paging method when a listing is
// refused, so a server that serves only one of them is still swept.
func listPrefixed(ctx context.Context, c *fakeidp.Client, typ, prefix string, opt SweepOptions) (out []Listed, err error) {
	filter := NameAttr(typ) + ` sw "` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(prefix) + `"`
	for _, f := range []string{filter, ""} {
		for _, byCursor := range []bool{opt.Cursor, !opt.Cursor} {
			var status int
			out, status, err = listPages(ctx, c, typ, prefix, f, opt, byCursor)
			if err == nil || !refused(status) {
				return out, err
			}
		}
	}
	return out, err
}

// refused reports whether a listing was declined (a filter or a paging
// method the server does not support) rather than broken.
func refused(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusNotImplemented || status == http.StatusForbidden
}

// listPages pages through typ with filter ("" for none), by startIndex or
// by cursor, and keeps what carries prefix. status is the answer that ended
// a failed listing.
func listPages(ctx context.Context, c *fakeidp.Client, typ, prefix, filter string, opt SweepOptions, byCursor bool) (_ []Listed, status int, _ error) {
	attr := NameAttr(typ)
	what := Endpoint(typ) + " with " + filter
	if filter == "" {
		what = Endpoint(typ) + " unfiltered"
	}
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	seen := map[string]bool{}
	var out []Listed
	var bad error
	fetch := func(q url.Values) (*fakeidp.Exchange, error) {
		return c.Do(ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ), Query: q, Retry: true})
	}
	end, err := WalkList(q, WalkOptions{ByCursor: byCursor, PageSize: opt.PageSize, MaxPages: opt.MaxPages}, fetch, func(ex *fakeidp.Exchange) bool {
		lp, err := ReadListPage(ex.RespBody, attr)
		if err != nil {
			bad = fmt.Errorf("listing %s: %v", what, err)
			return false
		}
		for _, it := range lp.Items {
			if !seen[it.ID] && hasPrefix(it.Name, prefix) {
				out = append(out, it)
			}
			seen[it.ID] = true
		}
		return true
	})
	switch {
	case err != nil:
		return out, 0, fmt.Errorf("listing %s: %v", what, err)
	case end.Last != nil && end.Last.Status == http.StatusNotFound && end.Pages == 0:
		return out, end.Last.Status, nil // some servers answer an empty result with 404
	case end.Last != nil && end.Last.Status != http.StatusOK:
		return out, end.Last.Status, fmt.Errorf("listing %s answered %d", what, end.Last.Status)
	case bad != nil:
		return out, http.StatusOK, bad
	case !end.Complete:
		return out, http.StatusOK, fmt.Errorf("listing %s: stopped after %d pages of %d; run again to continue", what, end.Pages, opt.PageSize)
	}
	return out, http.StatusOK, nil
}
