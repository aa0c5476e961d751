package reconcile

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/scimloop/scimloop/fakeidp"
)

// ExportConfig says how to export a server's state as a source.
type ExportConfig struct {
	Client      *fakeidp.Client
	PageSize    int
	Concurrency int
	RPS         float64
	Search      bool
	Progress    func(Progress)
}

// ExportStats counts what an export wrote.
type ExportStats struct {
	Users, Groups, Memberships, Pages int
}

// Export writes the server's Users, then its Groups, as JSON Lines: one
// SCIM resource per line, without what the server sets (id, meta, a
// user's groups), each group's members named by their match key
// (externalId, else userName or displayName). The result is a source that
// reconciles against the same server with no drift. It only reads.
func Export(ctx context.Context, cfg ExportConfig, w io.Writer) (ExportStats, error) {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 200
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	x := &exporter{ctx: ctx, cfg: cfg, rd: newReader(ctx, cfg.Client, cfg.RPS, cfg.Search, 0),
		bw: bufio.NewWriterSize(w, 1<<16), userKey: map[string]string{}, groupKey: map[string]string{}}
	x.byCursor = x.prefersCursors()
	if err := x.pages("User", x.user); err != nil {
		return x.stats, err
	}
	if err := x.pages("Group", x.noteGroup); err != nil {
		return x.stats, err
	}
	if err := x.pages("Group", x.group); err != nil {
		return x.stats, err
	}
	return x.stats, x.bw.Flush()
}

type exporter struct {
	ctx      context.Context
	cfg      ExportConfig
	rd       *reader
	bw       *bufio.Writer
	userKey  map[string]string // server id -> match key
	groupKey map[string]string
	stats    ExportStats
	byCursor bool // the server prefers cursors (RFC 9865)
}

// pages reads every page of typ and hands the resources over in server
// order: by cursor when the server advertises cursors (RFC 9865), else by
// index, a batch of Concurrency pages at a time.
func (x *exporter) pages(typ string, each func(gjson.Result) error) error {
	if x.byCursor {
		total := 0
		err := x.rd.cursorWalk(typ, "", "", x.cfg.PageSize, func(body []byte) error {
			_, t, err := x.take(typ, body, each)
			total = t
			return err
		})
		if err != nil {
			return x.scrub(fmt.Errorf("listing %ss by cursor: %w", typ, err))
		}
		x.progress(typ, total)
		return nil
	}
	size, total, next := 0, 1, 1
	for next <= total {
		batch := 1
		if size > 0 {
			batch = x.cfg.Concurrency
		}
		var starts []int
		for s := next; len(starts) < batch && s <= total; s += max(size, 1) {
			starts = append(starts, s)
		}
		bodies := make([][]byte, len(starts))
		errs := make([]error, len(starts))
		parallel(x.cfg.Concurrency, indexes(len(starts)), func(i int) {
			ex, err := x.rd.list(typ, "", "", starts[i], x.cfg.PageSize)
			if err == nil {
				bodies[i] = ex.RespBody
			}
			errs[i] = err
		})
		for i, body := range bodies {
			if errs[i] != nil {
				return x.scrub(fmt.Errorf("listing %ss at startIndex %d: %w", typ, starts[i], errs[i]))
			}
			n, t, err := x.take(typ, body, each)
			total = t
			if err != nil {
				return err
			}
			if n == 0 {
				if starts[i] <= total {
					return fmt.Errorf("listing %ss at startIndex %d: no resources, though totalResults is %d", typ, starts[i], total)
				}
				return nil
			}
			size = max(size, n)
			next = starts[i] + n
		}
		x.progress(typ, total)
	}
	return nil
}

// take hands each resource of one page body to each; it returns how many
// there were and the page's totalResults.
func (x *exporter) take(typ string, body []byte, each func(gjson.Result) error) (int, int, error) {
	x.stats.Pages++
	total := int(fakeidp.Get(body, "totalResults").Int())
	n := 0
	var err error
	fakeidp.Get(body, "Resources").ForEach(func(_, r gjson.Result) bool {
		n++
		err = each(r)
		return err == nil
	})
	return n, total, err
}

func (x *exporter) progress(typ string, total int) {
	if x.cfg.Progress != nil {
		x.cfg.Progress(Progress{Phase: "export " + typ + "s", Pages: x.stats.Pages, Read: x.stats.Users + x.stats.Groups, Total: total})
	}
}

// prefersCursors reads /ServiceProviderConfig through the reader; a
// server without one, or any failure, pages by index as before.
func (x *exporter) prefersCursors() bool {
	ex, err := x.rd.send(fakeidp.Request{Method: http.MethodGet, Path: "/ServiceProviderConfig"})
	return err == nil && fakeidp.PaginationOf(ex.RespBody).PrefersCursor()
}

func (x *exporter) scrub(err error) error {
	return fmt.Errorf("%s", x.cfg.Client.Recorder().Scrub(err.Error()))
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// keyOf is a resource's match key: externalId, else name.
func keyOf(r gjson.Result, nameAttr string) string {
	if ext := fakeidp.Lookup(r, "externalId").String(); ext != "" {
		return ext
	}
	return fakeidp.Lookup(r, nameAttr).String()
}

func (x *exporter) user(r gjson.Result) error {
	m, _ := r.Value().(map[string]any)
	if m == nil {
		return nil
	}
	x.userKey[fakeidp.Lookup(r, "id").String()] = keyOf(r, "userName")
	x.stats.Users++
	return x.line(m, "id", "meta", "groups", "password")
}

func (x *exporter) noteGroup(r gjson.Result) error {
	x.groupKey[fakeidp.Lookup(r, "id").String()] = keyOf(r, "displayName")
	return nil
}

func (x *exporter) group(r gjson.Result) error {
	m, _ := r.Value().(map[string]any)
	if m == nil {
		return nil
	}
	var members []any
	var err error
	fakeidp.Lookup(r, "members").ForEach(func(_, mv gjson.Result) bool {
		id := fakeidp.Lookup(mv, "value").String()
		if strings.EqualFold(fakeidp.Lookup(mv, "type").String(), "Group") {
			k, ok := x.groupKey[id]
			if !ok {
				err = fmt.Errorf("group %s has member group %s, which the listing did not show", fakeidp.Lookup(r, "id").String(), id)
				return false
			}
			members = append(members, map[string]any{"value": k, "type": "Group"})
			return true
		}
		k, ok := x.userKey[id]
		if !ok {
			if k, err = x.readUserKey(id); err != nil {
				return false
			}
		}
		members = append(members, map[string]any{"value": k})
		return true
	})
	if err != nil {
		return err
	}
	x.stats.Groups++
	x.stats.Memberships += len(members)
	for k := range m {
		if strings.EqualFold(k, "members") {
			delete(m, k)
		}
	}
	if len(members) > 0 {
		m["members"] = members
	}
	return x.line(m, "id", "meta")
}

// readUserKey reads a member the user listing did not show (created since).
func (x *exporter) readUserKey(id string) (string, error) {
	ex, err := x.rd.get("User", id, "userName,externalId")
	if err != nil {
		return "", x.scrub(fmt.Errorf("reading member User %s: %w", id, err))
	}
	k := keyOf(gjson.ParseBytes(ex.RespBody), "userName")
	x.userKey[id] = k
	return k, nil
}

func (x *exporter) line(m map[string]any, drop ...string) error {
	for k := range m {
		for _, d := range drop {
			if strings.EqualFold(k, d) {
				delete(m, k)
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = x.bw.Write(b)
	return err
}
