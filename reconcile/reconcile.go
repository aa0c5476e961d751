// Package reconcile compares a source of truth (an IdP's export: JSON
// Lines, a SCIM ListResponse or CSV) with what a SCIM server holds, and
// reports the drift, class by class, most risky first. It only reads: GET,
// and POST /.search when asked.
//
// The engine streams the server's pages and compares each resource as it
// arrives; memory follows the source (its resources, compactly), never the
// exchanges. Anything the walk did not find is read again by filter (or by
// a second walk) before it is called missing, so pages that shift under
// concurrent changes do not produce false "missing".
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/reports"
)

// Scopes besides a filter.
const (
	ScopeAll    = "all"    // every resource on the server; extras are reported
	ScopeSource = "source" // only what the source names; no extras
)

// Config says what to reconcile against what.
type Config struct {
	// Client reaches the server (credentials, TLS, timeout). Reconcile
	// records each request into a recorder of its own.
	Client *fakeidp.Client
	// Source is the parsed source of truth (see [ReadSource]).
	Source     *Source
	SourceName string
	// Scope is ScopeAll ("" too), ScopeSource, or a SCIM filter on Users
	// (extras are then reported only among the users it lists).
	Scope string
	// GroupScope is a SCIM filter on Groups, with a filter Scope ("" = all groups).
	GroupScope string
	// Search lists with POST /.search instead of GET.
	Search      bool
	PageSize    int     // count asked per page (default 200)
	Concurrency int     // pages and reads in flight (default 4)
	RPS         float64 // request rate cap (0: none)
	// Plan builds the requests that would converge the server (Report.Plan).
	Plan bool
	// Progress, when set, is called after each page and re-read batch.
	Progress  func(Progress)
	HARSample int // exchanges kept for the HAR (default 50)
	Version   string
}

// Progress is where a reconcile stands.
type Progress struct {
	Phase    string // "discovery", "Users", "Groups", "re-read", "done"
	Pages    int
	Read     int // server resources read
	Total    int // server resources announced (totalResults), as far as known
	Compared int
	Elapsed  time.Duration
}

// Report is a reconcile's result: the canonical report (counts by class in
// Counts, the verdict in Verdict) and, when asked, the plan.
type Report struct {
	reports.Reconcile
	Plan *Plan
}

// InSync reports whether the server matches the source and the walk was complete.
func (r *Report) InSync() bool { return r.Verdict == reports.ReconcileInSync }

// Run reconciles the server with the source. The error is for a Config
// that cannot run; what could not be read is in Report.Incomplete.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Client == nil || cfg.Source == nil {
		return nil, errors.New("reconcile: Config needs a Client and a Source")
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 200
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.HARSample == 0 {
		cfg.HARSample = 50
	}
	if cfg.Scope == "" {
		cfg.Scope = ScopeAll
	}
	e := newEngine(ctx, cfg)
	e.run()
	return e.report(), nil
}

// Counts runs a reconcile and returns the drift per class name, every
// class present (zero included): the shape `scimloop watch` exports. An
// incomplete reconcile is an error, since its counts would understate the
// drift. The Source is only read, so one parsed source serves every call.
func Counts(ctx context.Context, cfg Config) (map[string]int, error) {
	rep, err := Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if rep.Verdict == reports.ReconcileIncomplete {
		return nil, fmt.Errorf("reconcile incomplete: %s", strings.Join(rep.Incomplete, "; "))
	}
	out := make(map[string]int, len(rep.Counts))
	for c, n := range rep.Counts {
		out[string(c)] = n
	}
	return out, nil
}

// engine is one reconcile: the source, what the walk learnt of the server
// (ids and match keys, not bodies), and the drift found.
type engine struct {
	ctx     context.Context
	cfg     Config
	src     *Source
	rd      *reader
	sp      *fakeidp.ServiceProvider
	started time.Time
	// byCursor: the server prefers cursors (RFC 9865: no index paging, or
	// cursor as its default), so lists are paged by cursor, not startIndex.
	byCursor bool

	users, groups *side

	mu         sync.Mutex
	drift      []reports.Drift
	incomplete []string
	plan       *planBuilder
	pending    []pendingGroup

	pages, read, total, compared, reread atomic.Int64
	failures                             atomic.Int64 // calls of fail
}

func newEngine(ctx context.Context, cfg Config) *engine {
	e := &engine{ctx: ctx, cfg: cfg, src: cfg.Source, started: time.Now(),
		rd: newReader(ctx, cfg.Client, cfg.RPS, cfg.Search, cfg.HARSample)}
	e.users = newSide("User", len(e.src.Users))
	e.groups = newSide("Group", len(e.src.Groups))
	if cfg.Plan {
		e.plan = newPlanBuilder()
	}
	return e
}

func (e *engine) run() {
	e.progress("discovery")
	sp, err := fakeidp.Discover(e.ctx, e.cfg.Client.Recording(fakeidp.NewRecorder())) // nothing kept: Run may be called for months (watch)
	if err != nil {
		e.fail("discovery: %v", err)
		return
	}
	e.sp, e.rd.sp = sp, sp
	e.byCursor = sp.Pagination.PrefersCursor()
	userFilter, groupFilter := e.scopeFilters()
	failed := e.failures.Load()
	e.walk(e.users, userFilter, e.userAttrs(), e.onUser)
	e.rereadMissing(e.users, e.userAttrs(), e.onUser)
	usersUnread := e.failures.Load() > failed
	failed = e.failures.Load()
	e.walk(e.groups, groupFilter, e.groupAttrs(), e.onGroup)
	e.rereadMissing(e.groups, e.groupAttrs(), e.onGroup)
	groupsUnread := e.failures.Load() > failed
	e.finishPending()
	e.finish(usersUnread, groupsUnread)
	e.progress("done")
}

func (e *engine) scopeFilters() (string, string) {
	switch e.cfg.Scope {
	case ScopeAll, ScopeSource:
		return "", ""
	}
	return e.cfg.Scope, e.cfg.GroupScope
}

// userAttrs is the attributes= list of the walk: the match keys, active,
// meta.version (for If-Match in the plan) and what the source names.
func (e *engine) userAttrs() string {
	return attrList([]string{"userName", "externalId", "active", "meta.version"}, e.src.userAttrs)
}

func (e *engine) groupAttrs() string {
	return attrList([]string{"displayName", "externalId", "members.value", "members.type", "meta.version"}, e.src.groupAttrs)
}

func attrList(base []string, named map[string]bool) string {
	seen := map[string]bool{}
	for _, b := range base {
		seen[strings.ToLower(strings.SplitN(b, ".", 2)[0])] = true
	}
	var extra []string
	for a := range named {
		if !seen[a] && !ignoredAttrs[a] {
			extra = append(extra, a)
		}
	}
	sort.Strings(extra)
	return strings.Join(append(base, extra...), ",")
}

func (e *engine) fail(format string, args ...any) {
	e.failures.Add(1)
	msg := e.cfg.Client.Recorder().Scrub(fmt.Sprintf(format, args...))
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.incomplete) < 20 {
		e.incomplete = append(e.incomplete, msg)
	} else if len(e.incomplete) == 20 {
		e.incomplete = append(e.incomplete, "… and more errors")
	}
}

func (e *engine) add(d reports.Drift) {
	e.mu.Lock()
	e.drift = append(e.drift, d)
	e.mu.Unlock()
}

func (e *engine) progress(phase string) {
	if e.cfg.Progress == nil {
		return
	}
	e.cfg.Progress(Progress{Phase: phase, Pages: int(e.pages.Load()), Read: int(e.read.Load()), Total: int(e.total.Load()),
		Compared: int(e.compared.Load()), Elapsed: time.Since(e.started)})
}

func (e *engine) report() *Report {
	r := &Report{Reconcile: reports.Reconcile{Tool: "scimloop", Version: e.cfg.Version, Kind: "reconcile",
		Target: e.cfg.Client.Recorder().Scrub(e.cfg.Client.BaseURL()), Source: e.cfg.SourceName, Started: e.started.UTC(),
		Duration: time.Since(e.started).Seconds(), Match: e.matchName(), Scope: e.cfg.Scope,
		Counts: map[reports.DriftClass]int{}, SourceErrors: e.src.Errors, SourceErrorCount: e.src.ErrorCount,
		Drift: e.drift, Incomplete: e.incomplete, Exchanges: e.rd.sample}}
	if r.Drift == nil {
		r.Drift = []reports.Drift{}
	}
	reports.SortDrift(r.Drift)
	for _, c := range reports.DriftClasses() {
		r.Counts[c] = 0
	}
	for _, d := range r.Drift {
		r.Counts[d.Class]++
	}
	r.Stats = reports.ReconcileStats{SourceUsers: len(e.src.Users), SourceGroups: len(e.src.Groups),
		SourceMemberships: e.src.Memberships(), ServerUsers: len(e.users.byID), ServerGroups: len(e.groups.byID),
		Compared: int(e.compared.Load()), Pages: int(e.pages.Load()), Requests: int(e.rd.requests.Load()), Reread: int(e.reread.Load())}
	switch {
	case len(r.Incomplete) > 0:
		r.Verdict = reports.ReconcileIncomplete
	case len(r.Drift) > 0:
		r.Verdict = reports.ReconcileDrift
	default:
		r.Verdict = reports.ReconcileInSync
	}
	if e.plan != nil {
		r.Plan = e.plan.build()
		r.Plan.Target, r.Plan.Incomplete = r.Target, r.Incomplete
	}
	return r
}

func (e *engine) matchName() string {
	if e.src.match == MatchDefault {
		return "externalId, else userName (groups: externalId, else displayName)"
	}
	return e.src.match
}
