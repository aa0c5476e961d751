package scenarios

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// asyncBound is how long the harness waits for a write accepted with 202
// to show in a read. RFC 9967 gives no time; this bound is generous for a
// test tenant and short enough for a run.
const asyncBound = 10 * time.Second

// preferAsync is the header that asks for asynchronous processing.
var preferAsync = http.Header{"Prefer": {"respond-async"}}

// asyncRequests sends a create and a replace with Prefer: respond-async
// (RFC 9967 §2.5.1.1) to a server that advertises asynchronous requests.
// Either answer may be the normal one or 202; a 202 is judged for its shape
// and the write for its effect, read back within asyncBound. Everything is
// done on the scenario's own user, which the run's cleanup deletes.
var asyncRequests = Scenario{
	Name:  "async-requests",
	Areas: []string{"async"},
	Needs: fakeidp.CapAsync,
	Run: func(s *S) {
		u := s.NewUser()
		post := s.RawPost("User", fakeidp.MustJSON(s.UserResource(u)), preferAsync)
		if post.Status != http.StatusAccepted {
			s.Judge("async-sync-answer-normal", assertions.AsyncNormalCreate(post), post)
			s.Skip("async-create-takes-effect", fmt.Sprintf("the server answered the create %d, not 202: it was processed synchronously, as the RFC allows", post.Status))
			u.ID = s.syncCreatedID(u, post)
		} else {
			s.Skip("async-sync-answer-normal", "the server took the create asynchronously (202)")
			s.judgeAccepted(post)
			u.ID = s.readBackCreate(u, post)
		}
		s.asyncReplace(u, post)
		for _, id := range []string{"async-202-no-body", "async-202-set-txn", "async-202-location", "async-set-txn-unique"} {
			s.Skip(id, "the server answered neither write 202, which the RFC allows: there was no asynchronous answer to judge")
		}
	},
}

// syncCreatedID returns the id of the user a create answered synchronously
// made: from the answer, else looked up by userName, so that an answer
// without the resource (async-sync-answer-normal's finding) does not keep
// the replace from being judged. Without a user the scenario stops.
func (s *S) syncCreatedID(u fakeidp.User, post *fakeidp.Exchange) string {
	if id := fakeidp.Get(post.RespBody, "id").String(); post.Status == http.StatusCreated && id != "" {
		return id
	}
	if post.Status >= 200 && post.Status <= 299 {
		if found := s.findByName(u.UserName); found != nil {
			return fakeidp.Get(found.RespBody, "id").String()
		}
	}
	s.StopBecause("async-sync-answer-normal", "the create sent with Prefer: respond-async answered %d and no user %q could be found, so there is no user to replace", post.Status, u.UserName)
	return ""
}

// judgeAccepted judges the shape of a 202 answer.
func (s *S) judgeAccepted(ex *fakeidp.Exchange) {
	s.Judge("async-202-no-body", assertions.AsyncNoBody(ex), ex)
	if len(ex.RespBody) == 0 {
		s.Judge("async-202-set-txn", assertions.AsyncSetTxn(ex), ex)
	} else {
		s.Skip("async-202-set-txn", "the 202 answer had a body (async-202-no-body), and §3 asks for Set-Txn on a 202 without one")
	}
	s.Judge("async-202-location", assertions.AsyncLocation(ex), ex)
}

// readBackCreate waits for the user that a 202 create accepted, judges
// that it appeared, and returns its id. When it cannot be read but the
// Location named a user that is not missing (a read refused for another
// reason), the replace is still tried on that id; with no user at all the
// scenario stops.
func (s *S) readBackCreate(u fakeidp.User, post *fakeidp.Exchange) string {
	locID := userIDIn(post.Header("Location"))
	var last *fakeidp.Exchange
	err := s.poll(func() error {
		last = s.findAsyncCreated(u, locID)
		if last == nil {
			return fmt.Errorf("no user with userName %q could be read %s after %s was answered 202", u.UserName, asyncBound, safety.OpOf(post))
		}
		return assertions.ReadBackShows(last, u.UserName, "userName")
	})
	s.Judge("async-create-takes-effect", err, post, last)
	if err == nil {
		id := fakeidp.Get(last.RespBody, "id").String()
		if locID != "" && strings.HasSuffix(safety.OpOf(last), "/Users/"+locID) {
			id = locID // read at the Location: a read that lacks its id is resource-id's finding
		}
		if id == "" {
			s.Stop("the user created asynchronously was read back without an id, so there is no user to replace")
		}
		s.sess.Tracker.Add("User", id, u.UserName)
		return id
	}
	if locID != "" && last != nil && last.Status != http.StatusNotFound && s.sess.Tracker.Owns("User", locID) {
		return locID
	}
	s.StopBecause("async-create-takes-effect", "the user created asynchronously could not be read, so there is no user to replace")
	return ""
}

// findAsyncCreated reads the user a 202 create made: at the Location when
// it names a user, else by userName (when the server can filter). It
// returns the read of the Location when neither finds the user, nil when
// there was none.
func (s *S) findAsyncCreated(u fakeidp.User, locID string) *fakeidp.Exchange {
	var atLoc *fakeidp.Exchange
	if locID != "" {
		atLoc = s.Get("User", locID, nil)
		if atLoc.Status == http.StatusOK && strings.EqualFold(fakeidp.Get(atLoc.RespBody, "userName").String(), u.UserName) {
			return atLoc
		}
	}
	if found := s.findByName(u.UserName); found != nil {
		return found
	}
	return atLoc
}

// findByName looks the run's user up by userName, when the server can
// filter; nil when it cannot or the user is not there.
func (s *S) findByName(name string) *fakeidp.Exchange {
	if !s.Env.SP.Filter {
		return nil
	}
	found, err := s.sess.FindByName("User", name)
	if err != nil {
		s.Stop("looking up user %q: %v", name, err)
	}
	return found
}

// userIDIn returns the id of a Location that names a user ("…/Users/{id}").
func userIDIn(loc string) string {
	p, err := url.Parse(strings.Trim(strings.TrimSpace(loc), `"`))
	if err != nil {
		return ""
	}
	before, id, ok := cutLast(strings.TrimRight(p.Path, "/"), "/")
	if !ok || !strings.HasSuffix(before, "/Users") || !safety.SafeID(id) {
		return ""
	}
	return id
}

// cutLast splits s around the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// asyncReplace sends a PUT with Prefer: respond-async that changes the
// user's family name, and when it is answered 202, judges the answer and
// reads the change back.
func (s *S) asyncReplace(u fakeidp.User, post *fakeidp.Exchange) {
	if !s.declares("async-update-takes-effect", "name") {
		s.Skip("async-set-txn-unique", "no PUT was sent (the User schema does not declare name), so there was one Set-Txn value only")
		return
	}
	u.Name.FamilyName += "-async"
	put := s.Write(http.MethodPut, "User", u.ID, withID(s.UserResource(u), u.ID), preferAsync)
	if put.Status != http.StatusAccepted {
		why := fmt.Sprintf("the server answered the PUT %d, not 202: it was processed synchronously, as the RFC allows", put.Status)
		s.Skip("async-update-takes-effect", why)
		s.Skip("async-set-txn-unique", why)
		return
	}
	s.judgeAccepted(put)
	if post.Status == http.StatusAccepted {
		s.Judge("async-set-txn-unique", assertions.AsyncTxnDistinct(post, put), post, put)
	} else {
		s.Skip("async-set-txn-unique", "only the PUT was answered 202, so there were not two Set-Txn values to compare")
	}
	var last *fakeidp.Exchange
	err := s.poll(func() error {
		last = s.Get("User", u.ID, nil)
		return assertions.ReadBackShows(last, u.Name.FamilyName, "name", "familyName")
	})
	s.Judge("async-update-takes-effect", err, put, last)
}

// poll calls try until it returns nil or asyncBound has passed, waiting
// longer between tries; it returns the last error.
func (s *S) poll(try func() error) error {
	deadline := time.Now().Add(asyncBound)
	wait := 100 * time.Millisecond
	for {
		err := try()
		if err == nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		s.Sleep(wait)
		wait = min(2*wait, time.Second)
	}
}
