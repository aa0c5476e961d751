// Package tenant plays the real data of a staging tenant in scimloop's own
// safety tests: it seeds a SCIM server with users and groups that no run
// created, snapshots them byte for byte, and says afterwards whether any of
// them changed. It also lists a server's resources by name prefix, to prove
// that nothing of a run is left.
package tenant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Resource is one seeded resource and its body as first read.
type Resource struct {
	Type, ID, Name string
	Body           []byte
}

// Tenant is a seeded server.
type Tenant struct {
	Base  string // SCIM base URL
	Token string // bearer token, "" for none
	HC    *http.Client
	Seed  []Resource
}

// New returns a tenant for the server at base.
func New(base, token string) *Tenant {
	return &Tenant{Base: strings.TrimRight(base, "/"), Token: token, HC: &http.Client{Timeout: 10 * time.Second}}
}

func (t *Tenant) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, t.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/scim+json")
	if t.Token != "" {
		req.Header.Set("Authorization", "Bearer "+t.Token)
	}
	resp, err := t.HC.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// Populate creates users users and groups groups whose names start with
// prefix, each group holding some of the users, and snapshots them.
// Creates go through retries on 503 so that chaos faults do not get in the way.
func (t *Tenant) Populate(prefix string, users, groups int) error {
	var ids []string
	for i := range users {
		name := fmt.Sprintf("%suser-%d", prefix, i)
		body := map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName":    name,
			"externalId":  name + "-ext",
			"displayName": "Real Person " + strconv.Itoa(i),
			"name":        map[string]any{"givenName": "Real", "familyName": "Person" + strconv.Itoa(i)},
			"emails":      []map[string]any{{"value": fmt.Sprintf("person%d@acme.example", i), "type": "work", "primary": true}},
			"active":      i%3 != 0,
		}
		id, err := t.create("/Users", body)
		if err != nil {
			return fmt.Errorf("seeding user %s: %v", name, err)
		}
		ids = append(ids, id)
		t.Seed = append(t.Seed, Resource{Type: "User", ID: id, Name: name})
	}
	for i := range groups {
		name := fmt.Sprintf("%sgroup-%d", prefix, i)
		var members []map[string]string
		for j, id := range ids {
			if (j+i)%2 == 0 {
				members = append(members, map[string]string{"value": id})
			}
		}
		body := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": name, "members": members}
		id, err := t.create("/Groups", body)
		if err != nil {
			return fmt.Errorf("seeding group %s: %v", name, err)
		}
		t.Seed = append(t.Seed, Resource{Type: "Group", ID: id, Name: name})
	}
	return t.Snapshot()
}

func (t *Tenant) create(path string, body any) (string, error) {
	for range 10 {
		st, data, err := t.do(http.MethodPost, path, body)
		if err != nil {
			return "", err
		}
		if st == http.StatusServiceUnavailable || st == http.StatusTooManyRequests {
			continue
		}
		if st != http.StatusCreated && st != http.StatusOK {
			return "", fmt.Errorf("POST %s = %d: %.300s", path, st, data)
		}
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(data, &v); err != nil || v.ID == "" {
			return "", fmt.Errorf("POST %s: no id in %.300s", path, data)
		}
		return v.ID, nil
	}
	return "", fmt.Errorf("POST %s kept answering 503", path)
}

// get reads one resource, retrying a chaos 503.
func (t *Tenant) get(typ, id string) (int, []byte, error) {
	for range 10 {
		st, data, err := t.do(http.MethodGet, endpoint(typ)+"/"+id, nil)
		if err != nil || (st != http.StatusServiceUnavailable && st != http.StatusTooManyRequests) {
			return st, data, err
		}
	}
	return 0, nil, fmt.Errorf("GET %s/%s kept answering 503", endpoint(typ), id)
}

// Snapshot reads every seeded resource and keeps its body.
func (t *Tenant) Snapshot() error {
	for i, r := range t.Seed {
		st, data, err := t.get(r.Type, r.ID)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("snapshot of %s %s: %d %v", r.Type, r.ID, st, err)
		}
		t.Seed[i].Body = data
	}
	return nil
}

// Changed reads every seeded resource again and describes each one that is
// gone or no longer byte-for-byte what the snapshot held.
func (t *Tenant) Changed() ([]string, error) {
	var out []string
	for _, r := range t.Seed {
		st, data, err := t.get(r.Type, r.ID)
		if err != nil {
			return out, err
		}
		switch {
		case st != http.StatusOK:
			out = append(out, fmt.Sprintf("%s %s (%s): GET = %d, it was deleted or hidden", r.Type, r.ID, r.Name, st))
		case !bytes.Equal(data, r.Body):
			out = append(out, fmt.Sprintf("%s %s (%s) changed:\n before: %s\n after:  %s", r.Type, r.ID, r.Name, r.Body, data))
		}
	}
	return out, nil
}

// IDs returns the seeded ids by type.
func (t *Tenant) IDs() map[string]bool {
	m := map[string]bool{}
	for _, r := range t.Seed {
		m[r.ID] = true
	}
	return m
}

// Named lists every resource of typ ("User" or "Group") whose name starts
// with prefix, paging through the whole collection and matching names here,
// without a filter (so it works whatever faults the server has).
func (t *Tenant) Named(typ, prefix string) ([]Resource, error) {
	attr := "userName"
	if typ == "Group" {
		attr = "displayName"
	}
	var out []Resource
	seen := map[string]bool{}
	for start := 1; start < 100000; {
		q := url.Values{"startIndex": {strconv.Itoa(start)}, "count": {"100"}}
		var st int
		var data []byte
		var err error
		for range 10 {
			st, data, err = t.do(http.MethodGet, endpoint(typ)+"?"+q.Encode(), nil)
			if err != nil || st != http.StatusServiceUnavailable {
				break
			}
		}
		if err != nil || st != http.StatusOK {
			return out, fmt.Errorf("listing %s: %d %v", endpoint(typ), st, err)
		}
		var page struct {
			Total     int                          `json:"totalResults"`
			Resources []map[string]json.RawMessage `json:"Resources"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return out, err
		}
		fresh := 0
		for _, r := range page.Resources {
			var id, name string
			_ = json.Unmarshal(r["id"], &id)
			_ = json.Unmarshal(r[attr], &name)
			if seen[id] {
				continue
			}
			seen[id] = true
			fresh++
			if strings.HasPrefix(strings.ToLower(name), strings.ToLower(prefix)) {
				out = append(out, Resource{Type: typ, ID: id, Name: name})
			}
		}
		start += len(page.Resources)
		if fresh == 0 || start > page.Total {
			break
		}
	}
	return out, nil
}

// Remaining is Named without what the server lists but no longer serves:
// a resource counts only if reading it by id answers 200 (some servers keep
// deleted resources in their lists).
func (t *Tenant) Remaining(typ, prefix string) ([]Resource, error) {
	named, err := t.Named(typ, prefix)
	if err != nil {
		return nil, err
	}
	var out []Resource
	for _, r := range named {
		st, _, err := t.get(typ, r.ID)
		if err != nil {
			return out, err
		}
		if st == http.StatusOK {
			out = append(out, r)
		}
	}
	return out, nil
}

func endpoint(typ string) string {
	if typ == "Group" {
		return "/Groups"
	}
	return "/Users"
}
