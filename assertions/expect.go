package assertions

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// This file holds the small judgement combinators the area tables of the
// full catalogue share. Each returns nil or an error in the grammar
// "METHOD path = got, want X".

// Expect judges a condition on ex: nil when ok, else "METHOD path = got, want want".
func Expect(ex *fakeidp.Exchange, ok bool, got, want string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%s = %s, want %s", op(ex), got, want)
}

// Rejected judges an error answer: one of statuses and, when scimTypes are
// given, one of those scimType keywords.
func Rejected(ex *fakeidp.Exchange, statuses []int, scimTypes ...string) error {
	if err := Status(ex, statuses...); err != nil {
		return err
	}
	if len(scimTypes) == 0 {
		return nil
	}
	got := fakeidp.Get(ex.RespBody, "scimType").String()
	for _, t := range scimTypes {
		if strings.EqualFold(got, t) {
			return nil
		}
	}
	return scimTypeErr(ex, fmt.Errorf("%s = %d with scimType %s, want %s", op(ex), ex.Status, raw(fakeidp.Get(ex.RespBody, "scimType")), quoteList(scimTypes)))
}

// notSCIMError is a wrong scimType on an error answer that is not a SCIM
// error message at all: that is error-schema's rule (RFC 7644 §3.12), and
// the scimType only follows from it.
type notSCIMError struct {
	error
	ex *fakeidp.Exchange
}

func (e *notSCIMError) Unwrap() error { return e.error }

// scimTypeErr returns err, the scimType of ex judged wrong, marked as
// following from ex not being a SCIM error message when it is not one.
func scimTypeErr(ex *fakeidp.Exchange, err error) error {
	if ErrorBody(ex) == nil {
		return err
	}
	return &notSCIMError{fmt.Errorf("%w (the answer is not a SCIM error message)", err), ex}
}

// ScimTypeOfNotSCIMError reports whether err judged the scimType of an
// error answer that is not a SCIM error message, and returns that answer:
// the failure follows from error-schema's, judged on the same answer.
func ScimTypeOfNotSCIMError(err error) (*fakeidp.Exchange, bool) {
	if e, ok := errors.AsType[*notSCIMError](err); ok {
		return e.ex, true
	}
	return nil, false
}

// BadRequest judges a 400 with one of scimTypes (any scimType when none given).
func BadRequest(ex *fakeidp.Exchange, scimTypes ...string) error {
	return Rejected(ex, []int{400}, scimTypes...)
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}

// Refused judges that a request the server should refuse got a 4xx: not a
// success (which would mean it was applied) and not a server error.
func Refused(ex *fakeidp.Exchange) error {
	if ex.Status >= 400 && ex.Status < 500 {
		return nil
	}
	return fmt.Errorf("%s = %d%s, want a 4xx refusal", op(ex), ex.Status, errorDetail(ex))
}

// Succeeded judges a 2xx answer.
func Succeeded(ex *fakeidp.Exchange) error {
	if ex.Status >= 200 && ex.Status < 300 {
		return nil
	}
	return fmt.Errorf("%s = %d%s, want a 2xx success", op(ex), ex.Status, errorDetail(ex))
}

// NoServerError judges that the server did not fail with a 5xx.
func NoServerError(ex *fakeidp.Exchange) error {
	if ex.Status >= 500 || ex.Status == 0 {
		return fmt.Errorf("%s = %d%s, want a 2xx or a 4xx, never a server error", op(ex), ex.Status, errorDetail(ex))
	}
	return nil
}

// AttrIs judges that attribute path of ex's body equals want as JSON
// (strings exactly, booleans and numbers by value).
func AttrIs(ex *fakeidp.Exchange, path string, want any) error {
	got := fakeidp.Attr(ex.RespBody, path)
	if equalJSON(got, want) {
		return nil
	}
	return fmt.Errorf("%s = %s %s, want %s", op(ex), path, raw(got), string(fakeidp.MustJSON(want)))
}

func equalJSON(got gjson.Result, want any) bool {
	switch w := want.(type) {
	case string:
		return got.Type == gjson.String && got.Str == w
	case bool:
		return (got.Type == gjson.True || got.Type == gjson.False) && got.Bool() == w
	case int:
		return got.Type == gjson.Number && got.Num == float64(w)
	case nil:
		return !got.Exists() || got.Type == gjson.Null
	}
	return got.Raw == string(fakeidp.MustJSON(want))
}

// AttrAbsent judges that attribute path is unassigned: absent, null or [].
func AttrAbsent(ex *fakeidp.Exchange, path string) error {
	if v := fakeidp.Attr(ex.RespBody, path); Assigned(v) {
		return fmt.Errorf("%s = %s %s, want it unassigned (absent, null or [])", op(ex), path, raw(v))
	}
	return nil
}

// AttrPresent judges that attribute path has a value.
func AttrPresent(ex *fakeidp.Exchange, path string) error {
	if v := fakeidp.Attr(ex.RespBody, path); !Assigned(v) {
		return fmt.Errorf("%s = %s %s, want a value", op(ex), path, raw(v))
	}
	return nil
}

// Assigned reports whether a JSON value counts as assigned (RFC 7643 §2.5).
func Assigned(v gjson.Result) bool {
	switch {
	case !v.Exists(), v.Type == gjson.Null:
		return false
	case v.IsArray():
		return len(v.Array()) > 0
	case v.IsObject():
		return len(v.Map()) > 0
	}
	return true
}

// IDsEqual judges that a ListResponse holds exactly the resources want
// (ids, in any order), naming the missing and unexpected ones.
func IDsEqual(ex *fakeidp.Exchange, want []string) error {
	if err := Status(ex, 200); err != nil {
		return err
	}
	got := slices.Sorted(slices.Values(ListedIDs(ex)))
	want = slices.Sorted(slices.Values(want))
	if slices.Equal(got, want) {
		return nil
	}
	var parts []string
	if m := setDiff(want, got); len(m) > 0 {
		parts = append(parts, "missing "+strings.Join(m, ", "))
	}
	if x := setDiff(got, want); len(x) > 0 {
		parts = append(parts, "unexpected "+strings.Join(x, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "duplicates")
	}
	return fmt.Errorf("%s = %d resources (%s), want exactly [%s]", op(ex), len(got), strings.Join(parts, "; "), strings.Join(want, ", "))
}

// Names renders the string values at key of a ListResponse's resources, in order.
func Names(ex *fakeidp.Exchange, keys ...string) []string {
	var out []string
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		out = append(out, fakeidp.Lookup(r, keys...).String())
	}
	return out
}

// Same judges that two bodies agree on path.
func Same(a, b *fakeidp.Exchange, path string) error {
	va, vb := fakeidp.Attr(a.RespBody, path), fakeidp.Attr(b.RespBody, path)
	if va.Raw == vb.Raw || (!Assigned(va) && !Assigned(vb)) {
		return nil
	}
	return fmt.Errorf("%s = %s %s, but %s = %s, want the same value", op(b), path, raw(vb), op(a), raw(va))
}

// Short names for the levels, for the literal tables of the area files.
const (
	lMust   = reports.LevelMust
	lShould = reports.LevelShould
	lMay    = reports.LevelMay
	lIDP    = reports.LevelIDP
)
