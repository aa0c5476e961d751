package safety

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

// Session is the only way an engine (a scenario, a property sequence, a
// replay) talks to the server: every request passes the tracker's write
// gate and the retry policy, every create is tracked, and only resources the
// run created are ever written to. A Session is safe for concurrent use.
type Session struct {
	Ctx     context.Context
	C       *fakeidp.Client
	Tracker *Tracker
	// SP is what the server advertised; nil means nothing is known.
	SP *fakeidp.ServiceProvider
	// OnRetryLookup, when set, receives the verdict of the lookup by name
	// made around a retried create: nil, or the duplicates it found (see
	// [CheckRetryDuplicate]).
	OnRetryLookup func(err error, list *fakeidp.Exchange)

	// other marks a session that sends as another identity (none, or wrong
	// credentials): its 401s are answers to judge, not an expired token.
	other bool

	mu   sync.Mutex
	lost map[*fakeidp.Exchange]bool // reads that stand in for a lost create answer
}

// Errors of a request that got no answer to judge. The check it was for is
// then an error, never a finding about its rule.
var (
	// ErrCancelled reports that the run was cancelled while a request was out.
	ErrCancelled = errors.New("the run was cancelled")
	// ErrUnavailable reports that the server stayed unavailable (429, 503 or
	// connection resets) through every retry.
	ErrUnavailable = errors.New("the server stayed unavailable, so the check is not judged")
	// ErrCredentials reports a 401 to the run's own credentials mid-run.
	ErrCredentials = errors.New("the server refused the credentials mid-run (an expired or revoked token?), so the check is not judged")
)

// resetRetries bounds the retries of a safe request whose connection was
// reset (the client itself retries 429 and 503, honouring Retry-After).
const resetRetries = 3

// NewSession returns a session that sends with c on behalf of the run whose
// resources t tracks.
func NewSession(ctx context.Context, c *fakeidp.Client, t *Tracker, sp *fakeidp.ServiceProvider) *Session {
	return &Session{Ctx: ctx, C: c, Tracker: t, SP: sp}
}

// Do passes the write gate, sets the retry policy (see [Session.allowRetry])
// and sends req. Its error already names the request: a refusal by the gate
// ("harness safety: refusing …"), [ErrCancelled], or "METHOD /path: cause"
// when no usable answer came (the exchange then has Status 0 and Err set).
func (s *Session) Do(req fakeidp.Request) (*fakeidp.Exchange, error) {
	if err := s.Tracker.CheckWrite(s.Ctx, s.C, req); err != nil {
		return nil, fmt.Errorf("harness safety: refusing %s %s: %w", req.Method, req.Path, err)
	}
	s.allowRetry(&req)
	ex, err := s.send(req)
	if err == nil {
		s.record(req, ex) // an answer that was not read is left to the prefix sweep at cleanup
	}
	switch {
	case err != nil && errors.Is(s.Ctx.Err(), context.Canceled):
		return ex, ErrCancelled
	case err != nil && isReset(err) && safeMethod(req.Method):
		return ex, fmt.Errorf("%s %s: the connection was reset %d times: %w", req.Method, req.Path, ex.Attempt, ErrUnavailable)
	case err != nil:
		return ex, fmt.Errorf("%s %s: %w", req.Method, req.Path, err)
	case req.Retry && (ex.Status == http.StatusTooManyRequests || ex.Status == http.StatusServiceUnavailable):
		return ex, fmt.Errorf("%s = %d after %d attempts: %w", OpOf(ex), ex.Status, ex.Attempt, ErrUnavailable)
	case ex.Status == http.StatusUnauthorized && !s.other:
		return ex, fmt.Errorf("%s = 401: %w", OpOf(ex), ErrCredentials)
	}
	return ex, nil
}

// send sends req, and sends a safe request again, after a pause, when its
// connection was reset: that says nothing about the server's rules.
func (s *Session) send(req fakeidp.Request) (*fakeidp.Exchange, error) {
	ex, err := s.C.Do(s.Ctx, req)
	for try := 1; try <= resetRetries && err != nil && isReset(err) && safeMethod(req.Method) && s.Ctx.Err() == nil; try++ {
		t := time.NewTimer(time.Duration(try) * 100 * time.Millisecond)
		select {
		case <-s.Ctx.Done():
		case <-t.C:
		}
		t.Stop()
		req.Tried = try
		ex, err = s.C.Do(s.Ctx, req)
	}
	return ex, err
}

// isReset reports whether err is a connection the server reset or closed
// before it answered.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE)
}

// safeMethod reports whether a request may be repeated on SCIM's terms
// without a lookup first: everything but a POST (a create or a Bulk).
func safeMethod(method string) bool { return method != http.MethodPost }

// Get reads typ/id.
func (s *Session) Get(typ, id string, header http.Header) (*fakeidp.Exchange, error) {
	return s.Do(fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ) + "/" + id, Header: header, Retry: true})
}

// Query lists resources of typ with the given query parameters.
func (s *Session) Query(typ string, q url.Values) (*fakeidp.Exchange, error) {
	return s.Do(fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ), Query: q, Retry: true})
}

// Write sends a PUT, PATCH or DELETE to a resource the run created and
// confirmed. Any other id is refused: the harness never touches what it did
// not create. A DELETE the server accepted marks the resource gone.
func (s *Session) Write(method, typ, id string, body any, header http.Header) (*fakeidp.Exchange, error) {
	if !s.Tracker.Owns(typ, id) {
		return nil, fmt.Errorf("harness safety: refusing %s on %s %q, which this run did not create", method, typ, id)
	}
	if err := s.Tracker.Confirm(s.Ctx, s.C, typ, id); err != nil {
		return nil, fmt.Errorf("harness safety: refusing %s on %s %q: %v", method, typ, id, err)
	}
	req := fakeidp.Request{Method: method, Path: Endpoint(typ) + "/" + id, Header: header, Retry: true}
	if body != nil {
		req.Body = fakeidp.MustJSON(body)
	}
	ex, err := s.Do(req)
	if err == nil && method == http.MethodDelete && (ex.Status == http.StatusNoContent || ex.Status == http.StatusOK) {
		s.Tracker.Gone(typ, id)
	}
	return ex, err
}

// Create sends a create of typ whose unique name is name, and tracks what
// the server created. It never retries blindly: before a retry it looks the
// resource up by name, and when the lookup finds it, the read stands in for
// the lost answer (see [Session.LostCreate]). A create answered with an id
// that is not the run's is refused for good and reported as an error.
func (s *Session) Create(typ string, body []byte, name string) (*fakeidp.Exchange, error) {
	if err := s.Tracker.Reserve(); err != nil {
		return nil, err
	}
	retried := false
	req := fakeidp.Request{Method: http.MethodPost, Path: Endpoint(typ), Body: body, Retry: true,
		BeforeRetry: func(context.Context) (*fakeidp.Exchange, error) { retried = true; return s.FindByName(typ, name) }}
	ex, err := s.Do(req)
	if err != nil {
		return ex, err
	}
	if retried {
		if ex.Method != http.MethodPost {
			s.markLost(ex)
		}
		defer s.afterRetriedCreate(typ, name, ex)
	}
	if id := createdID(ex); OK(ex) && id != "" && s.Tracker.IsRefused(id) {
		return ex, fmt.Errorf("harness safety: the create of %q answered id %q, which belongs to a resource the run did not create and will not use", name, id)
	}
	return ex, nil
}

// RawCreate sends body as a create to typ's endpoint; like every POST the
// session sends, whatever the server created is tracked (see
// [Session.record]), so that even a create that should have been refused
// is cleaned up.
func (s *Session) RawCreate(typ string, body []byte, header http.Header) (*fakeidp.Exchange, error) {
	if err := s.Tracker.Reserve(); err != nil {
		return nil, err
	}
	return s.Do(fakeidp.Request{Method: http.MethodPost, Path: Endpoint(typ), Body: body, Header: header})
}

// TrackCreated records the resource that a 2xx answer to a request other
// than a POST (a PUT to an unknown id, which some servers treat as a create)
// says the server created.
func (s *Session) TrackCreated(typ string, ex *fakeidp.Exchange) {
	if ex == nil || ex.Method == http.MethodPost || !OK(ex) {
		return // a POST is recorded as it is sent
	}
	if id := createdID(ex); id != "" {
		sent, _ := sentName(typ, ex.ReqBody)
		s.Tracker.Add(typ, id, sent)
	}
}

// WithContext returns a session that sends under ctx (a cleanup that must
// outlive a cancelled run, for instance) with the same client, tracker and hooks.
func (s *Session) WithContext(ctx context.Context) *Session {
	return &Session{Ctx: ctx, C: s.C, Tracker: s.Tracker, SP: s.SP, OnRetryLookup: s.OnRetryLookup, other: s.other}
}

// With returns a session that sends with c (another identity, for
// instance none) under the same tracker and hooks; its 401s are answers.
func (s *Session) With(c *fakeidp.Client) *Session {
	return &Session{Ctx: s.Ctx, C: c, Tracker: s.Tracker, SP: s.SP, OnRetryLookup: s.OnRetryLookup, other: true}
}

// LostCreate reports whether ex stands in for a create whose answer was
// lost: the read of the resource that the lookup by name found. Status,
// Location and body of the create's own answer were never seen, so judging
// ex in their place would be a false alarm.
func (s *Session) LostCreate(ex *fakeidp.Exchange) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost[ex]
}

func (s *Session) markLost(ex *fakeidp.Exchange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost == nil {
		s.lost = map[*fakeidp.Exchange]bool{}
	}
	s.lost[ex] = true
}

// FindByName looks a resource up by its unique name, so that a retried
// create cannot make a duplicate. It returns the found resource's read.
func (s *Session) FindByName(typ, name string) (*fakeidp.Exchange, error) {
	attr := NameAttr(typ)
	ex, err := s.C.Do(s.Ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ), Retry: true,
		Query: map[string][]string{"filter": {attr + ` eq "` + name + `"`}}})
	if err != nil || ex.Status != http.StatusOK {
		return nil, err
	}
	s.judgeNoDuplicate(typ, name, ex)
	for _, r := range fakeidp.Get(ex.RespBody, "Resources").Array() {
		if strings.EqualFold(fakeidp.Lookup(r, attr).String(), name) {
			id := fakeidp.Lookup(r, "id").String()
			if !SafeID(id) {
				continue
			}
			got, err := s.C.Do(s.Ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ) + "/" + id})
			if err != nil || got.Status != http.StatusOK || !strings.EqualFold(fakeidp.Get(got.RespBody, attr).String(), name) {
				continue // the list named an id whose resource is not ours: never adopt it
			}
			s.Tracker.Add(typ, id, name)
			return got, nil
		}
	}
	return nil, nil
}

// CheckRetryDuplicate is the harness-wide check judged whenever a create had
// to be retried: any engine may meet it.
const CheckRetryDuplicate = "create-retry-no-duplicate"

// judgeNoDuplicate hands the verdict on a lookup by name made around a
// retried create to OnRetryLookup: more than one resource with the run's
// unique name is a finding. Extra copies are left to the prefix sweep at
// cleanup, which reads each one first.
func (s *Session) judgeNoDuplicate(typ, name string, list *fakeidp.Exchange) {
	if s.OnRetryLookup == nil || list == nil || list.Status != http.StatusOK {
		return
	}
	if len(assertions.NamedIDs(list, NameAttr(typ), name)) == 0 {
		return // nothing to judge: the lookup did not find the name at all
	}
	s.OnRetryLookup(assertions.NoDuplicate(list, NameAttr(typ), name), list)
}

// afterRetriedCreate looks name up once more after a create that was
// retried, so that a duplicate made by the retry is found and cleaned up.
func (s *Session) afterRetriedCreate(typ, name string, ex *fakeidp.Exchange) {
	if ex == nil || !OK(ex) || s.SP == nil || !s.SP.Filter {
		return
	}
	list, err := s.C.Do(s.Ctx, fakeidp.Request{Method: http.MethodGet, Path: Endpoint(typ), Retry: true,
		Query: map[string][]string{"filter": {NameAttr(typ) + ` eq "` + name + `"`}}})
	if err != nil {
		return
	}
	s.judgeNoDuplicate(typ, name, list)
}
