package sequences

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds what a sequence is made of: its operations ([Step]) and
// the names a sequence gives the resources it creates.

// Operations of a sequence, as Step.Op names them.
const (
	OpCreateUser    = "create-user"
	OpPutUser       = "put-user"
	OpPatchUser     = "patch-user"
	OpDeactivate    = "deactivate-user"
	OpReactivate    = "reactivate-user"
	OpDeleteUser    = "delete-user"
	OpRecreateUser  = "recreate-user" // a new user with a deleted user's userName
	OpPatchAtomic   = "patch-user-failing-op"
	OpRaceUser      = "race-user"
	OpCreateGroup   = "create-group"
	OpRenameGroup   = "rename-group"
	OpAddMembers    = "add-members"
	OpRemoveMembers = "remove-members"
	OpDeleteGroup   = "delete-group"
	OpRaceGroup     = "race-group"
)

// Step is one operation of a sequence. Users and groups are named by slot:
// the n-th user (or group) the sequence created, counting from 1, so that a
// sequence means the same against any server and replays from a file.
type Step struct {
	Op      string        `json:"op"`
	User    int           `json:"user,omitempty"`    // user slot
	Group   int           `json:"group,omitempty"`   // group slot
	Members []int         `json:"members,omitempty"` // user slots
	Spec    *fakeidp.User `json:"spec,omitempty"`    // a created or replacing user, names without the run prefix
	Changes []Change      `json:"changes,omitempty"` // patch-user
	Name    string        `json:"name,omitempty"`    // a group's displayName without the run prefix
	Values  []string      `json:"values,omitempty"`  // race-user: the two competing displayNames
}

// Change is one attribute change of a patch-user step.
type Change struct {
	Attr   string          `json:"attr"`
	Remove bool            `json:"remove,omitempty"`
	Text   string          `json:"text,omitempty"`
	Emails []fakeidp.Email `json:"emails,omitempty"` // local parts; the run's domain is added
	Phones []fakeidp.Phone `json:"phones,omitempty"`
}

// String renders a step for the minimal sequence: "patch-user u2 title=…".
func (s Step) String() string {
	var b strings.Builder
	b.WriteString(s.Op)
	if s.User > 0 {
		fmt.Fprintf(&b, " u%d", s.User)
	}
	if s.Group > 0 {
		fmt.Fprintf(&b, " g%d", s.Group)
	}
	if len(s.Members) > 0 {
		var ms []string
		for _, m := range s.Members {
			ms = append(ms, fmt.Sprintf("u%d", m))
		}
		fmt.Fprintf(&b, " members=[%s]", strings.Join(ms, " "))
	}
	if s.Name != "" {
		fmt.Fprintf(&b, " name=%q", clipText(s.Name))
	}
	if s.Spec != nil {
		fmt.Fprintf(&b, " userName=%q active=%v", clipText(s.Spec.UserName), s.Spec.Active)
	}
	for _, c := range s.Changes {
		switch {
		case c.Remove:
			fmt.Fprintf(&b, " -%s", c.Attr)
		case c.Emails != nil:
			fmt.Fprintf(&b, " %s=%d values", c.Attr, len(c.Emails))
		case c.Phones != nil:
			fmt.Fprintf(&b, " %s=%d values", c.Attr, len(c.Phones))
		default:
			fmt.Fprintf(&b, " %s=%q", c.Attr, clipText(c.Text))
		}
	}
	if len(s.Values) > 0 {
		fmt.Fprintf(&b, " racing %q", s.Values)
	}
	return b.String()
}

func clipText(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}

// caseNames turns generated names into the names of one sequence: every
// userName, externalId and displayName carries the sequence's prefix (itself
// under the run prefix), every email the run's domain. E-mails and
// externalIds also carry the sequence's tag and the user's slot, so that no
// two users of a run (nor a shrink's re-run and the run it shrinks) ever
// share one: a server may keep them unique, and reserve a deleted user's
// (RFC 7644 Table 9, uniqueness), which the model does not judge.
type caseNames struct{ prefix, tag, domain string }

func (n caseNames) user(spec fakeidp.User, slot int) fakeidp.User {
	u := spec
	u.UserName = n.prefix + spec.UserName
	if u.ExternalID != "" {
		u.ExternalID = n.prefix + u.ExternalID + "-u" + strconv.Itoa(slot)
	}
	u.Emails = n.emails(spec.Emails, slot)
	u.PhoneNumbers = slices.Clone(spec.PhoneNumbers)
	if spec.Enterprise != nil {
		e := *spec.Enterprise
		u.Enterprise = &e
	}
	return u
}

// emails gives generated local parts the owner's mark and the run's domain.
func (n caseNames) emails(list []fakeidp.Email, slot int) []fakeidp.Email {
	var out []fakeidp.Email
	for _, e := range list {
		e.Value += "-" + n.tag + "u" + strconv.Itoa(slot) + "@" + n.domain
		out = append(out, e)
	}
	return out
}
