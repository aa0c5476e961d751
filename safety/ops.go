package safety

import (
	"strings"

	"github.com/scimloop/scimloop/fakeidp"
)

// This file holds the small helpers every engine shares to name a resource
// type's endpoint and to read an exchange.

// Endpoint returns the collection path of typ ("User" or "Group").
func Endpoint(typ string) string {
	if typ == "Group" {
		return "/Groups"
	}
	return "/Users"
}

// NameAttr is the attribute that carries the run prefix for typ.
func NameAttr(typ string) string {
	if typ == "Group" {
		return "displayName"
	}
	return "userName"
}

// OK reports whether ex is a 2xx.
func OK(ex *fakeidp.Exchange) bool { return ex.Status >= 200 && ex.Status < 300 }

// OpOf names the request of ex as "METHOD /path", without scheme and host.
func OpOf(ex *fakeidp.Exchange) string {
	if ex == nil {
		return "(no request)"
	}
	p := ex.URL
	if i := strings.Index(p, "://"); i >= 0 {
		if j := strings.Index(p[i+3:], "/"); j >= 0 {
			p = p[i+3+j:]
		}
	}
	return ex.Method + " " + p
}

// MetaOf reads the meta a resource answer carries, with its ETag header.
func MetaOf(ex *fakeidp.Exchange) fakeidp.Meta {
	return fakeidp.Meta{
		Created:      fakeidp.Get(ex.RespBody, "meta", "created").String(),
		LastModified: fakeidp.Get(ex.RespBody, "meta", "lastModified").String(),
		Version:      fakeidp.Get(ex.RespBody, "meta", "version").String(),
		ETag:         ex.Header("ETag"),
		Location:     fakeidp.Get(ex.RespBody, "meta", "location").String(),
	}
}

// NonNil returns exs without its nil entries, for evidence lists.
func NonNil(exs []*fakeidp.Exchange) []*fakeidp.Exchange {
	out := make([]*fakeidp.Exchange, 0, len(exs))
	for _, e := range exs {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
