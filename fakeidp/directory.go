package fakeidp

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// Name is a User's structured name.
type Name struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

// Email is one of a User's email addresses.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Phone is one of a User's phone numbers.
type Phone struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

// Enterprise holds the enterprise User extension attributes the IdP sets.
type Enterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	CostCenter     string `json:"costCenter,omitempty"`
	Organization   string `json:"organization,omitempty"`
	Division       string `json:"division,omitempty"`
}

// User is what the IdP believes a provisioned user is.
type User struct {
	ID           string      `json:"id,omitempty"`
	UserName     string      `json:"userName"`
	ExternalID   string      `json:"externalId,omitempty"`
	DisplayName  string      `json:"displayName,omitempty"`
	Name         Name        `json:"name"`
	Title        string      `json:"title,omitempty"`
	Emails       []Email     `json:"emails,omitempty"`
	PhoneNumbers []Phone     `json:"phoneNumbers,omitempty"`
	Active       bool        `json:"active"`
	Enterprise   *Enterprise `json:"enterprise,omitempty"`
}

// Group is what the IdP believes a provisioned group is.
type Group struct {
	ID          string   `json:"id,omitempty"`
	DisplayName string   `json:"displayName"`
	ExternalID  string   `json:"externalId,omitempty"`
	Members     []string `json:"members"` // user ids, sorted
}

// Meta is the last meta a resource was confirmed with.
type Meta struct {
	Created      string
	LastModified string
	Version      string
	ETag         string
	Location     string
}

// Directory is the IdP's model of what it provisioned: the oracle that the
// server's state is reconciled against. It changes only when the caller has
// confirmed a mutation with the server. It is not safe for concurrent use.
type Directory struct {
	users  map[string]*User
	groups map[string]*Group
	meta   map[string]Meta
}

// NewDirectory returns an empty model.
func NewDirectory() *Directory {
	return &Directory{users: map[string]*User{}, groups: map[string]*Group{}, meta: map[string]Meta{}}
}

// PutUser records a confirmed create or update of u (u.ID must be set).
func (d *Directory) PutUser(u User, m Meta) {
	cp := cloneUser(u)
	d.users[u.ID] = &cp
	d.meta[u.ID] = m
}

// PutGroup records a confirmed create or update of g (g.ID must be set).
func (d *Directory) PutGroup(g Group, m Meta) {
	cp := g
	cp.Members = sortedUnique(g.Members)
	d.groups[g.ID] = &cp
	d.meta[g.ID] = m
}

// DeleteUser records a confirmed delete: the user leaves every group too.
func (d *Directory) DeleteUser(id string) {
	delete(d.users, id)
	delete(d.meta, id)
	for _, g := range d.groups {
		g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return m == id })
	}
}

// DeleteGroup records a confirmed group delete.
func (d *Directory) DeleteGroup(id string) {
	delete(d.groups, id)
	delete(d.meta, id)
}

// SetMeta records the meta last confirmed for a resource.
func (d *Directory) SetMeta(id string, m Meta) {
	if _, ok := d.meta[id]; ok {
		d.meta[id] = m
	}
}

// User returns a copy of the modelled user.
func (d *Directory) User(id string) (User, bool) {
	u, ok := d.users[id]
	if !ok {
		return User{}, false
	}
	return cloneUser(*u), true
}

// Group returns a copy of the modelled group.
func (d *Directory) Group(id string) (Group, bool) {
	g, ok := d.groups[id]
	if !ok {
		return Group{}, false
	}
	cp := *g
	cp.Members = slices.Clone(g.Members)
	return cp, true
}

// Meta returns the meta last confirmed for a resource.
func (d *Directory) Meta(id string) (Meta, bool) {
	m, ok := d.meta[id]
	return m, ok
}

// UserIDs returns the modelled user ids, sorted.
func (d *Directory) UserIDs() []string { return slices.Sorted(maps.Keys(d.users)) }

// GroupIDs returns the modelled group ids, sorted.
func (d *Directory) GroupIDs() []string { return slices.Sorted(maps.Keys(d.groups)) }

// GroupsOf returns the ids of the groups that have userID as a member, sorted.
func (d *Directory) GroupsOf(userID string) []string {
	var out []string
	for id, g := range d.groups {
		if slices.Contains(g.Members, userID) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// UserByName finds a modelled user by userName, case-insensitively.
func (d *Directory) UserByName(userName string) (User, bool) {
	for _, u := range d.users {
		if strings.EqualFold(u.UserName, userName) {
			return cloneUser(*u), true
		}
	}
	return User{}, false
}

// Clone returns a deep copy of the model.
func (d *Directory) Clone() *Directory {
	c := NewDirectory()
	for id, u := range d.users {
		c.users[id] = new(cloneUser(*u))
	}
	for id, g := range d.groups {
		cp := *g
		cp.Members = slices.Clone(g.Members)
		c.groups[id] = &cp
	}
	maps.Copy(c.meta, d.meta)
	return c
}

// Counts returns how many users, groups and memberships the model holds.
func (d *Directory) Counts() map[string]int {
	members := 0
	for _, g := range d.groups {
		members += len(g.Members)
	}
	return map[string]int{"users": len(d.users), "groups": len(d.groups), "memberships": members}
}

func cloneUser(u User) User {
	u.Emails = slices.Clone(u.Emails)
	u.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	if u.Enterprise != nil {
		u.Enterprise = new(*u.Enterprise)
	}
	return u
}

func sortedUnique(ids []string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return slices.Compact(out)
}
