package sequences

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/scimloop/scimloop/internal/redact"
	"github.com/scimloop/scimloop/reports"
	"github.com/scimloop/scimloop/scenarios"
)

// This file saves the minimal case of a schema-property failure in a
// replay file and reruns it: the same resource and requests, under names
// of the replay's own run, judged by the same checks.

// SchemaReplay is the minimal case of one schema-property failure. Values
// keep the names the case made them with (Names says which), so that a
// replay can put its own in; a referenced user's id and URL and every
// password are placeholders, filled in when the case is rerun.
type SchemaReplay struct {
	Type     string         `json:"type"`     // the resource type
	Property string         `json:"property"` // round-trip, put, patch, projection or filter
	Names    SchemaNames    `json:"names"`
	Body     map[string]any `json:"body"`          // the resource created
	Ops      []schemaOp     `json:"ops,omitempty"` // the updates after the create
	Choice   schemaChoice   `json:"choice,omitzero"`
	Requests []string       `json:"requests"` // the case's requests, in words
}

// SchemaNames are the prefix, tag and e-mail domain a case's generated
// values carry.
type SchemaNames struct {
	Prefix string `json:"prefix"`
	Tag    string `json:"tag"`
	Domain string `json:"domain"`
}

// schemaChoice is what the projection and filter properties drew after
// the create: the attribute projected, or filtered on, with which operator
// and operand (a part of a string, in which case; a distance from a number
// or an instant).
type schemaChoice struct {
	Projected string `json:"projected,omitempty"`
	Filtered  string `json:"filtered,omitempty"`
	OtherCase bool   `json:"otherCase,omitempty"`
	Op        string `json:"op,omitempty"`   // "" in files from before the operators: eq
	From      int    `json:"from,omitempty"` // the part of a string: runes From to To
	To        int    `json:"to,omitempty"`
	Delta     int    `json:"delta,omitempty"` // gt, ge: below the value; lt, le: above it
}

// passwordMark stands for a password in a replay file; a replay draws a
// fresh one, so that no password is written to a file.
const passwordMark = "\x00password"

// newSchemaReplay saves case c of property prop.
func newSchemaReplay(c *schemaCase, prop string) *SchemaReplay {
	f := &SchemaReplay{Type: c.s.name, Property: prop, Names: c.origin, Choice: c.choice, Requests: slices.Clone(c.steps)}
	f.Body, _ = maskSecrets(deepClone(c.body)).(map[string]any)
	for _, op := range c.ops {
		op.Value = deepClone(op.Value)
		if redact.IsSecretKey(op.Attr) && op.Value != nil {
			op.Value = passwordMark
		}
		op.Value = maskSecrets(op.Value)
		f.Ops = append(f.Ops, op)
	}
	return f
}

// NewSchemaReplayFile describes the minimal case of schema-property
// failure fl; exchanges are its recorded exchanges, converted by the
// caller. Nil when fl has no case to replay.
func NewSchemaReplayFile(fl SchemaFailure, target, dialect string, exchanges []reports.Exchange) *ReplayFile {
	if fl.Case == nil {
		return nil
	}
	if exchanges == nil {
		exchanges = []reports.Exchange{}
	}
	return &ReplayFile{Format: ReplayFormat, Seed: fl.Seed, Target: target, Dialect: dialect, Checks: []string{fl.Check},
		Failure: fl.Message, Steps: []Step{}, Schema: fl.Case, Exchanges: exchanges}
}

// validate says what makes f impossible to rerun.
func (f *SchemaReplay) validate() error {
	switch {
	case f.Type == "":
		return errors.New("the schema case names no resource type")
	case !slices.Contains(schemaProps, f.Property):
		return fmt.Errorf("the schema case's property %q is none of %s", f.Property, strings.Join(schemaProps, ", "))
	case f.Body == nil:
		return errors.New("the schema case has no resource body")
	}
	return nil
}

// ReplaySchema reruns a schema-property case against env as a case of its
// own: names under env's run prefix, fresh passwords, the same updates (or
// projection, or filter), each judged as the run judged them; what it
// created is deleted. Every finding is reported, the file's check or not.
// It aborts when the case cannot reach a verdict on the file's checks (the
// server refused the create, say).
func ReplaySchema(ctx context.Context, env *scenarios.Env, f *SchemaReplay, checks ...string) *ReplayResult {
	if err := f.validate(); err != nil {
		return &ReplayResult{Aborted: err.Error()}
	}
	i := slices.IndexFunc(schemaTypes(env.SP), func(s *rtSchema) bool { return strings.EqualFold(s.name, f.Type) })
	if i < 0 {
		return &ReplayResult{Aborted: fmt.Sprintf("the server publishes no schema for %s", f.Type)}
	}
	s := schemaTypes(env.SP)[i]
	r := &schemaRunner{ctx: ctx, env: env, touched: map[string]map[string]bool{s.name: {}}, passed: map[string]bool{}}
	c, err := r.rerun(s, f)
	if c == nil {
		return &ReplayResult{Aborted: cmp.Or(r.broken, "the case could not run")}
	}
	out := &ReplayResult{Steps: len(c.steps)}
	for _, fd := range c.findings {
		out.Findings = append(out.Findings, ReplayFinding{Check: fd.check, Message: fd.msg, Exchanges: fd.exs})
	}
	switch {
	case err != nil:
		out.Aborted = err.Error()
	case slices.ContainsFunc(checks, func(ck string) bool { return !c.judged[ck] }):
		out.Aborted = fmt.Sprintf("the case did not reach %s", strings.Join(checks, ", "))
	}
	return out
}

// rerun runs f's case once, with c's names in place of the file's.
func (r *schemaRunner) rerun(s *rtSchema, f *SchemaReplay) (out *schemaCase, err error) {
	c := r.newCase(s)
	defer r.finish(c)
	defer c.cleanup()
	defer r.recoverCase(&out)
	from, to := f.Names, c.origin
	body, _ := fillPasswords(rename(deepClone(f.Body), from, to)).(map[string]any)
	c.body, c.pick = body, &f.Choice
	if err := c.create(deepClone(body).(map[string]any)); err != nil || c.id == "" {
		return c, err
	}
	switch f.Property {
	case "projection":
		return c, c.projection(nil)
	case "filter":
		return c, c.filter(nil)
	}
	for i, op := range f.Ops {
		op.Value = fillPasswords(rename(deepClone(op.Value), from, to))
		c.ops = append(c.ops, op)
		if op.Kind == "put" {
			op.Value, _ = fillRefs(op.Value, c.refID, refURL(c))
		}
		if err := c.update(op, i+1); err != nil {
			return c, err
		}
	}
	return c, nil
}

// maskSecrets puts passwordMark in place of every value under a secret key.
func maskSecrets(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if redact.IsSecretKey(k) {
				x[k] = passwordMark
			} else {
				x[k] = maskSecrets(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = maskSecrets(e)
		}
	}
	return v
}

// fillPasswords puts a fresh password in place of each passwordMark.
func fillPasswords(v any) any {
	switch x := v.(type) {
	case string:
		if x == passwordMark {
			return "Pw-" + rand.Text()[:12] + "!7"
		}
	case map[string]any:
		for k, e := range x {
			x[k] = fillPasswords(e)
		}
	case []any:
		for i, e := range x {
			x[i] = fillPasswords(e)
		}
	}
	return v
}

// rename puts to's names in place of from's in every string of v, the
// way the generators wrote them (schemagen.go): a leading prefix, a tag
// at the head of an e-mail address or inside a URN, URL or name, and the
// e-mail domain.
func rename(v any, from, to SchemaNames) any {
	switch x := v.(type) {
	case string:
		return renameString(x, from, to)
	case map[string]any:
		for k, e := range x {
			x[k] = rename(e, from, to)
		}
	case []any:
		for i, e := range x {
			x[i] = rename(e, from, to)
		}
	}
	return v
}

func renameString(s string, from, to SchemaNames) string {
	if from.Prefix != "" && strings.HasPrefix(s, from.Prefix) {
		return to.Prefix + s[len(from.Prefix):]
	}
	if from.Tag == "" {
		return s
	}
	if strings.HasPrefix(s, from.Tag+".") && strings.Contains(s, "@") {
		s = to.Tag + s[len(from.Tag):]
		if from.Domain != "" && strings.HasSuffix(s, from.Domain) {
			s = s[:len(s)-len(from.Domain)] + to.Domain
		}
		return s
	}
	for _, pat := range []string{":%s:", "/%s/", " %s-"} {
		s = strings.Replace(s, fmt.Sprintf(pat, from.Tag), fmt.Sprintf(pat, to.Tag), 1)
	}
	return s
}
