package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// DriftClass names one kind of difference between a source of truth and a
// server, as `scimloop reconcile` reports it.
type DriftClass string

// Drift classes, most risky first (see [DriftClasses]).
const (
	// DriftAccessLingers: a user is active on the server but inactive, or
	// absent, at the source.
	DriftAccessLingers DriftClass = "access-lingers"
	// DriftMembershipNotGranted: a group on the server has a member the
	// source does not grant (one finding per member).
	DriftMembershipNotGranted DriftClass = "membership-not-granted"
	// DriftMissing: a source user or group the server does not have.
	DriftMissing DriftClass = "missing"
	// DriftMissingMembership: a membership the source grants that the server lacks.
	DriftMissingMembership DriftClass = "missing-membership"
	// DriftAttribute: an attribute whose server value differs (path: want/got).
	DriftAttribute DriftClass = "attribute-drift"
	// DriftDuplicate: two or more server resources for one source key.
	DriftDuplicate DriftClass = "duplicate"
	// DriftExtra: a server resource in scope that the source does not name.
	DriftExtra DriftClass = "extra"
)

// DriftClasses returns every class, most risky first: the order of every
// reconcile report.
func DriftClasses() []DriftClass {
	return []DriftClass{DriftAccessLingers, DriftMembershipNotGranted, DriftMissing, DriftMissingMembership,
		DriftAttribute, DriftDuplicate, DriftExtra}
}

// Rank is the position of c in [DriftClasses] (0 = most risky).
func (c DriftClass) Rank() int {
	if i := slices.Index(DriftClasses(), c); i >= 0 {
		return i
	}
	return len(DriftClasses())
}

// Reconcile verdicts.
const (
	ReconcileInSync     = "in-sync"
	ReconcileDrift      = "drift"
	ReconcileIncomplete = "incomplete"
)

// Reconcile is the canonical result of `scimloop reconcile`: its
// results.json. Every reconcile writer reads nothing else.
type Reconcile struct {
	Tool     string    `json:"tool"`
	Version  string    `json:"version"`
	Kind     string    `json:"kind"` // always "reconcile"
	Target   string    `json:"target"`
	Source   string    `json:"source"`
	Started  time.Time `json:"started"`
	Duration float64   `json:"durationSeconds"`
	Match    string    `json:"match"`
	Scope    string    `json:"scope"`
	// Verdict is in-sync, drift or incomplete (something could not be read:
	// the drift found so far is listed but not the whole story).
	Verdict      string             `json:"verdict"`
	Counts       map[DriftClass]int `json:"counts"`
	Stats        ReconcileStats     `json:"stats"`
	SourceErrors []SourceError      `json:"sourceErrors,omitempty"`
	// SourceErrorCount counts every bad source row; SourceErrors lists the first ones.
	SourceErrorCount int        `json:"sourceErrorCount"`
	Drift            []Drift    `json:"drift"`
	Incomplete       []string   `json:"incomplete,omitempty"`
	Exchanges        []Exchange `json:"exchanges,omitempty"` // a bounded sample, for the HAR
}

// ReconcileStats says how much was read and compared.
type ReconcileStats struct {
	SourceUsers       int `json:"sourceUsers"`
	SourceGroups      int `json:"sourceGroups"`
	SourceMemberships int `json:"sourceMemberships"`
	ServerUsers       int `json:"serverUsers"`
	ServerGroups      int `json:"serverGroups"`
	Compared          int `json:"compared"`
	Pages             int `json:"pages"`
	Requests          int `json:"requests"`
	Reread            int `json:"reread"` // resources read again before being called missing
}

// SourceError is one bad row of the source: its line and what is wrong.
type SourceError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// Drift is one difference. Want and Got are JSON text ("" for absent).
type Drift struct {
	Class    DriftClass `json:"class"`
	Type     string     `json:"type"` // User or Group
	Key      string     `json:"key"`  // the match key's value
	ID       string     `json:"id,omitempty"`
	IDs      []string   `json:"ids,omitempty"` // every server id, for duplicates
	Path     string     `json:"path,omitempty"`
	Want     string     `json:"want,omitempty"`
	Got      string     `json:"got,omitempty"`
	Member   string     `json:"member,omitempty"` // the member's key, for membership classes
	MemberID string     `json:"memberId,omitempty"`
}

// Resource names the drifted resource: "User alice".
func (d Drift) Resource() string { return d.Type + " " + d.Key }

// Text is a one-line description of the drift.
func (d Drift) Text() string {
	switch d.Class {
	case DriftAccessLingers:
		if d.Path != "" {
			return fmt.Sprintf("active on the server, inactive at the source (%s: want %s, got %s)", d.Path, orAbsent(d.Want), orAbsent(d.Got))
		}
		return "active on the server, absent at the source"
	case DriftMembershipNotGranted:
		return fmt.Sprintf("member %s (id %s) is not granted by the source", d.Member, d.MemberID)
	case DriftMissing:
		return "missing on the server"
	case DriftMissingMembership:
		return fmt.Sprintf("member %s is missing on the server", d.Member)
	case DriftAttribute:
		return fmt.Sprintf("%s: want %s, got %s", d.Path, orAbsent(d.Want), orAbsent(d.Got))
	case DriftDuplicate:
		return fmt.Sprintf("%d server resources for one source key: %s", len(d.IDs), strings.Join(d.IDs, ", "))
	case DriftExtra:
		return "on the server, in scope, not in the source"
	}
	return string(d.Class)
}

func orAbsent(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}

// SortDrift orders drift by class rank, then type, key, path and member,
// so every report lists it the same way.
func SortDrift(ds []Drift) {
	slices.SortStableFunc(ds, func(a, b Drift) int {
		if c := a.Class.Rank() - b.Class.Rank(); c != 0 {
			return c
		}
		for _, p := range [][2]string{{a.Type, b.Type}, {a.Key, b.Key}, {a.Path, b.Path}, {a.Member, b.Member}, {a.MemberID, b.MemberID}} {
			if c := strings.Compare(p[0], p[1]); c != 0 {
				return c
			}
		}
		return 0
	})
}

// Total is the number of drift findings.
func (r *Reconcile) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += c
	}
	return n
}

// WriteReconcileJSON writes r as indented JSON: the reconcile results.json.
func WriteReconcileJSON(w io.Writer, r *Reconcile) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReconcile reads a reconcile results.json.
func ReadReconcile(rd io.Reader) (*Reconcile, error) {
	var r Reconcile
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("reading a reconcile result: %v", err)
	}
	if r.Kind != "reconcile" {
		return nil, fmt.Errorf("reading a reconcile result: kind %q, want \"reconcile\"", r.Kind)
	}
	return &r, nil
}

// driftByResource groups drift by resource (type and key), in report order.
func driftByResource(ds []Drift) (order []string, by map[string][]Drift) {
	by = map[string][]Drift{}
	for _, d := range ds {
		k := d.Resource()
		if _, ok := by[k]; !ok {
			order = append(order, k)
		}
		by[k] = append(by[k], d)
	}
	return order, by
}

// WriteReconcileMarkdown writes a Markdown summary: the verdict, counts per
// class, then the drift, class by class.
func WriteReconcileMarkdown(w io.Writer, r *Reconcile) error {
	var b bytes.Buffer
	m := &mdWriter{b: &b}
	m.line("# scimloop reconcile: %s", mdText(r.Verdict))
	m.line("")
	m.line("Target %s, source %s, match %s, scope %s; %d drift findings in %.1f s.", mdCode(r.Target), mdCode(r.Source),
		mdCode(r.Match), mdCode(r.Scope), r.Total(), r.Duration)
	m.line("")
	m.row("class", "count")
	m.row("---", "---:")
	for _, c := range DriftClasses() {
		m.row(string(c), fmt.Sprint(r.Counts[c]))
	}
	m.line("")
	s := r.Stats
	m.line("Source: %d users, %d groups, %d memberships, %d bad rows. Server: %d users, %d groups read in %d pages (%d requests, %d re-read).",
		s.SourceUsers, s.SourceGroups, s.SourceMemberships, r.SourceErrorCount, s.ServerUsers, s.ServerGroups, s.Pages, s.Requests, s.Reread)
	for _, in := range r.Incomplete {
		m.line("")
		m.line("**Incomplete:** %s", mdText(in))
	}
	for _, c := range DriftClasses() {
		if r.Counts[c] == 0 {
			continue
		}
		m.line("")
		m.line("## %s (%d)", c, r.Counts[c])
		m.line("")
		m.row("resource", "id", "drift")
		m.row("---", "---", "---")
		for _, d := range r.Drift {
			if d.Class == c {
				m.row(mdCell(d.Resource()), mdCode(d.ID), mdCell(d.Text()))
			}
		}
	}
	for i, e := range r.SourceErrors {
		if i == 0 {
			m.line("")
			m.line("## Bad source rows (%d)", r.SourceErrorCount)
			m.line("")
		}
		m.line("- line %d: %s", e.Line, mdText(e.Error))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// reconcileWriters maps each format of [Formats] to its reconcile writer,
// so `scimloop report` renders a reconcile results.json in every format a
// run's renders in.
var reconcileWriters = map[string]func(io.Writer, *Reconcile) error{
	"har":   writeReconcileHAR,
	"html":  WriteReconcileHTML,
	"json":  WriteReconcileJSON,
	"junit": WriteReconcileJUnit,
	"md":    WriteReconcileMarkdown,
}

// RenderReconcile writes r to w in the named format, one of [Formats]:
// the reconcile counterpart of [Render]. The reconcile command writes its
// reports with it, so rendering its results.json again gives the same bytes.
func RenderReconcile(format string, w io.Writer, r *Reconcile) error {
	write, ok := reconcileWriters[format]
	if !ok {
		return fmt.Errorf("reports: unknown format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
	}
	if r == nil {
		return fmt.Errorf("reports: RenderReconcile(%q): nil Reconcile", format)
	}
	return write(w, r)
}

// writeReconcileHAR writes the bounded sample of exchanges a reconcile
// keeps as HAR 1.2.
func writeReconcileHAR(w io.Writer, r *Reconcile) error {
	return WriteHAR(w, &Run{Tool: "scimloop", Version: r.Version, Target: r.Target, Exchanges: r.Exchanges})
}
