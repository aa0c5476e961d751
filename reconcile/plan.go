package reconcile

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"

	"github.com/scimloop/scimloop/fakeidp"
	"github.com/scimloop/scimloop/safety"
)

// Plan is the list of SCIM requests that would converge the server with
// the source. Nothing in it is ever sent by scimloop. A step's path or
// body may name the id that an earlier create step's answer carries, as
// "{{id N}}" (N: that step).
type Plan struct {
	Note   string `json:"note"`
	Target string `json:"target"`
	// Incomplete says why the reconcile could not read everything: the
	// plan then converges only what was read.
	Incomplete []string   `json:"incomplete,omitempty"`
	Steps      []PlanStep `json:"steps"`
}

// PlanStep is one request of a plan.
type PlanStep struct {
	Step    int             `json:"step"`
	Method  string          `json:"method"`
	Path    string          `json:"path"` // relative to Target
	IfMatch string          `json:"ifMatch,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
}

// refPattern matches the placeholders the engine puts in bodies for a
// resource the plan itself creates; build turns them into "{{id N}}".
var refPattern = regexp.MustCompile(`\{\{ref (User|Group) (\d+)\}\}`)

// IDRef matches "{{id N}}" in a plan step's path or body.
var idRef = regexp.MustCompile(`\{\{id (\d+)\}\}`)

func userRef(i int) string { return fmt.Sprintf("{{ref User %d}}", i) }

type planCreate struct {
	typ  string
	src  int
	body []byte
}

type planPatch struct {
	typ, id, etag string
	ops           []map[string]any
}

// planBuilder collects the plan while the walk runs (safe for concurrent use).
type planBuilder struct {
	mu      sync.Mutex
	creates []planCreate
	patches map[string]*planPatch
	order   []string
	removes []planPatch
	removed map[string]bool
}

func newPlanBuilder() *planBuilder {
	return &planBuilder{patches: map[string]*planPatch{}, removed: map[string]bool{}}
}

func (p *planBuilder) create(typ string, src int, body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.creates = append(p.creates, planCreate{typ: typ, src: src, body: withSchemas(typ, body)})
}

// patch adds operations to the one PATCH of typ/id, so that its If-Match
// guards them all.
func (p *planBuilder) patch(typ, id, etag string, ops []map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := typ + "/" + id
	pp := p.patches[k]
	if pp == nil {
		pp = &planPatch{typ: typ, id: id, etag: etag}
		p.patches[k] = pp
		p.order = append(p.order, k)
	}
	pp.ops = append(pp.ops, ops...)
}

func (p *planBuilder) remove(typ, id, etag string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.removed[typ+"/"+id] {
		p.removed[typ+"/"+id] = true
		p.removes = append(p.removes, planPatch{typ: typ, id: id, etag: etag})
	}
}

// build orders the plan: creates (users, then groups), PATCHes (users,
// then groups), DELETEs (groups, then users), and resolves references to
// created resources.
func (p *planBuilder) build() *Plan {
	plan := &Plan{Note: "scimloop reconcile: the SCIM requests that would converge the server with the source. Nothing was applied. Review before running; {{id N}} is the id in the answer to step N."}
	created := map[string]int{}
	add := func(s PlanStep) int {
		s.Step = len(plan.Steps) + 1
		plan.Steps = append(plan.Steps, s)
		return s.Step
	}
	for _, typ := range []string{"User", "Group"} {
		for _, c := range p.creates {
			if c.typ == typ {
				created[fmt.Sprintf("%s %d", typ, c.src)] = add(PlanStep{Method: http.MethodPost, Path: safety.Endpoint(typ), Body: c.body})
			}
		}
	}
	for _, typ := range []string{"User", "Group"} {
		for _, k := range p.order {
			pp := p.patches[k]
			if pp.typ == typ {
				add(PlanStep{Method: http.MethodPatch, Path: safety.Endpoint(typ) + "/" + pp.id, IfMatch: pp.etag,
					Body: fakeidp.MustJSON(fakeidp.PatchBody(toPatchOps(pp.ops)...))})
			}
		}
	}
	for _, typ := range []string{"Group", "User"} {
		for _, r := range p.removes {
			if r.typ == typ {
				add(PlanStep{Method: http.MethodDelete, Path: safety.Endpoint(typ) + "/" + r.id, IfMatch: r.etag})
			}
		}
	}
	for i := range plan.Steps {
		plan.Steps[i].Body = refPattern.ReplaceAllFunc(plan.Steps[i].Body, func(m []byte) []byte {
			sub := refPattern.FindSubmatch(m)
			if n, ok := created[string(sub[1])+" "+string(sub[2])]; ok {
				return fmt.Appendf(nil, "{{id %d}}", n)
			}
			return m
		})
	}
	return plan
}

func toPatchOps(ops []map[string]any) []fakeidp.PatchOp {
	out := make([]fakeidp.PatchOp, len(ops))
	for i, o := range ops {
		out[i] = fakeidp.PatchOp{Op: o["op"].(string), Path: o["path"].(string), Value: o["value"]}
	}
	return out
}

// withSchemas adds the core schema to a create body that names none.
func withSchemas(typ string, body []byte) []byte {
	if fakeidp.Get(body, "schemas").Exists() {
		return body
	}
	schema := fakeidp.SchemaUser
	if typ == "Group" {
		schema = fakeidp.SchemaGroup
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	m["schemas"] = []string{schema}
	return fakeidp.MustJSON(m)
}

// WritePlanJSON writes the plan as indented JSON (plan.json).
func WritePlanJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
