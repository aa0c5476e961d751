package scenarios

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// capabilityHonesty probes every capability /ServiceProviderConfig names:
// an advertised one must work, and one advertised as unsupported should
// answer 501 (working anyway is a dishonest advertisement).
var capabilityHonesty = Scenario{
	Name:   "capability-honesty",
	Areas:  []string{"capability"},
	Checks: withCommon(),
	Run: func(s *S) {
		sp := s.Env.SP
		// a and b share a givenName, so that one eq filter can list them both.
		tag := s.Env.Names.Next("cap")
		a, b := s.NewUser(), s.NewUser()
		a.Name.GivenName, b.Name.GivenName = tag, tag
		a, _ = s.CreateUser(a)
		b, _ = s.CreateUser(b)
		unadvertised := 0
		for _, capName := range []string{fakeidp.CapPatch, fakeidp.CapFilter, fakeidp.CapSort, fakeidp.CapETag, fakeidp.CapBulk, fakeidp.CapChangePassword} {
			ex, problem := s.probeCapability(capName, a, b, tag)
			if ex == nil {
				continue
			}
			if sp.Has(capName) {
				s.Judge("cap-advertised-honoured", assertions.Honoured(capName, ex, problem), ex)
				continue
			}
			unadvertised++
			switch capName {
			case fakeidp.CapPatch, fakeidp.CapBulk, fakeidp.CapChangePassword:
				s.Judge("cap-unadvertised-501", assertions.NotImplemented(capName, ex), ex)
			default:
				// filter, sort and etag have no 501 form: working anyway is the finding.
				if problem == nil {
					s.Judge("cap-unadvertised-501", fmt.Errorf("%s %s works although %s.supported is false: advertise it", ex.Method, ex.URL, capName), ex)
				} else {
					s.Judge("cap-unadvertised-501", nil, ex)
				}
			}
		}
		if unadvertised == 0 {
			s.Skip("cap-unadvertised-501", "the server advertises every capability as supported, so there is no unsupported one to probe")
		}
	},
}

// probeCapability exercises one capability and returns the exchange and,
// when the feature did not work, the problem.
func (s *S) probeCapability(capName string, a, b fakeidp.User, tag string) (*fakeidp.Exchange, error) {
	switch capName {
	case fakeidp.CapPatch:
		ex := s.Patch("User", a.ID, fakeidp.PatchOp{Op: "replace", Path: "displayName", Value: a.DisplayName + " (patched)"})
		return ex, assertions.Succeeded(ex)
	case fakeidp.CapFilter:
		ex := s.Filter("User", `userName eq "`+a.UserName+`"`)
		return ex, assertions.IDsEqual(ex, []string{a.ID})
	case fakeidp.CapSort:
		return s.probeSort(a, b, tag)
	case fakeidp.CapETag:
		ex := s.Get("User", b.ID, nil)
		return ex, assertions.Expect(ex, assertions.VersionOf(ex) != "", "no ETag header and no meta.version", "a version for the resource")
	case fakeidp.CapBulk:
		u := s.NewUser()
		body := map[string]any{"schemas": []any{fakeidp.MsgBulkRequest}, "Operations": []any{
			map[string]any{"method": "POST", "path": "/Users", "bulkId": "cap1", "data": fakeidp.UserResource(u, s.Env.SP.Enterprise)}}}
		ex := s.Bulk(body)
		return ex, assertions.Status(ex, 200)
	case fakeidp.CapChangePassword:
		password := "Sc1mloop!-" + s.Env.Names.Prefix
		if !s.Env.SP.Patch { // a server without PATCH changes passwords by PUT
			body := withID(fakeidp.UserResource(b, s.Env.SP.Enterprise), b.ID)
			body["password"] = password
			ex := s.Write(http.MethodPut, "User", b.ID, body, nil)
			return ex, assertions.Succeeded(ex)
		}
		ex := s.Patch("User", b.ID, fakeidp.PatchOp{Op: "replace", Path: "password", Value: password})
		return ex, assertions.Succeeded(ex)
	}
	return nil, nil
}

// probeSort lists a and b sorted by userName both ways, scoped by the eq
// filter on their shared givenName, tag, or by an unfiltered walk. The
// scope is shown to work first, so that a refusal is about sorting (RFC 7644
// §3.4.2.3), not about the filter. A server that ignores sortBy returns one
// order for both, whichever way its own order happens to fall.
func (s *S) probeSort(a, b fakeidp.User, tag string) (*fakeidp.Exchange, error) {
	var filters []string
	if s.declaresSub("name", "givenName") {
		filters = append(filters, `name.givenName eq "`+tag+`"`)
	}
	sc, _ := s.findScope("User", []string{a.ID, b.ID}, filters...)
	if sc == nil {
		return nil, nil // no query can be confined to the run's two users
	}
	lo, hi := a.UserName, b.UserName
	if strings.ToLower(lo) > strings.ToLower(hi) {
		lo, hi = hi, lo
	}
	var ex *fakeidp.Exchange
	for _, want := range [][2]string{{lo, hi}, {hi, lo}} {
		order := "ascending"
		if want[0] == hi {
			order = "descending"
		}
		var names []string
		var why string
		ex, names, why = s.ordered(sc, "sortBy", "userName", "sortOrder", order)
		if err := assertions.Status(ex, 200); err != nil {
			return ex, err
		}
		if why != "" {
			return nil, nil
		}
		if len(names) != 2 || names[0] != want[0] {
			return ex, assertions.Expect(ex, false, fmt.Sprintf("userNames %q", names), fmt.Sprintf("[%q %q] (%s)", want[0], want[1], order))
		}
	}
	return ex, nil
}

// Bulk posts a BulkRequest; the session tracks every resource it created.
func (s *S) Bulk(body map[string]any) *fakeidp.Exchange {
	return s.Do(fakeidp.Request{Method: http.MethodPost, Path: "/Bulk", Body: fakeidp.MustJSON(body)})
}
