package watch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // pure Go: the FROM scratch image needs no cgo
)

// store is the watcher's state in SQLite: the watch prefix, the canaries
// it owns (so a crash never orphans one: the next start deletes them
// first), the tick history and the anomalies, trimmed to a retention.
type store struct {
	db        *sql.DB
	retention int
}

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS owned (type TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL, PRIMARY KEY (type, name));
CREATE TABLE IF NOT EXISTS ticks (seq INTEGER PRIMARY KEY AUTOINCREMENT, started INTEGER NOT NULL,
  duration_ms REAL NOT NULL, max_latency_ms REAL NOT NULL, outcome TEXT NOT NULL, anomalies INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS anomalies (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
  tick INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0);
`

// openStore opens (or creates) the state at path; "" is an in-memory store.
func openStore(path string, retention int) (*store, error) {
	dsn := "file::memory:"
	if path != "" {
		dsn = "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; an in-memory database lives in its one connection
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	return &store{db: db, retention: retention}, nil
}

func (s *store) Close() error { return s.db.Close() }

// meta reads a value of the meta table, "" when unset.
func (s *store) meta(key string) (string, error) {
	var v string
	err := s.db.QueryRow(`SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func (s *store) setMeta(key, value string) error {
	_, err := s.db.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// ownedRow is a canary the watcher created, or is about to create (id "").
type ownedRow struct {
	Type, Name, ID string
	Created        time.Time
}

// intend records a canary before its create is sent, so a crash between
// the send and the answer still leaves its name to sweep.
func (s *store) intend(typ, name string, at time.Time) error {
	_, err := s.db.Exec(`INSERT OR REPLACE INTO owned (type, name, id, created) VALUES (?, ?, '', ?)`, typ, name, at.UnixMilli())
	return err
}

// created records the id the server gave a canary.
func (s *store) created(typ, name, id string) error {
	_, err := s.db.Exec(`UPDATE owned SET id = ? WHERE type = ? AND name = ?`, id, typ, name)
	return err
}

// gone forgets a canary whose delete was confirmed.
func (s *store) gone(typ, name string) error {
	_, err := s.db.Exec(`DELETE FROM owned WHERE type = ? AND name = ?`, typ, name)
	return err
}

// owned lists the canaries not known to be deleted.
func (s *store) owned() ([]ownedRow, error) {
	rows, err := s.db.Query(`SELECT type, name, id, created FROM owned ORDER BY created`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ownedRow
	for rows.Next() {
		var r ownedRow
		var ms int64
		if err := rows.Scan(&r.Type, &r.Name, &r.ID, &ms); err != nil {
			return nil, err
		}
		r.Created = time.UnixMilli(ms)
		out = append(out, r)
	}
	return out, rows.Err()
}

// TickRecord is one tick as the state keeps it.
type TickRecord struct {
	Seq        int64
	Started    time.Time
	Duration   time.Duration
	MaxLatency time.Duration
	Outcome    string // ok, anomaly, down
	Anomalies  int
	Detail     string
}

// AnomalyRecord is one anomaly as the state keeps it.
type AnomalyRecord struct {
	Seq      int64
	At       time.Time
	Tick     int64
	Kind     string
	Detail   string
	Resolved bool
}

// addTick records a tick and its anomalies in one transaction, resolves the
// open anomalies of kinds the tick did not see again, and trims to the
// retention. It returns the tick's sequence number.
func (s *store) addTick(t TickRecord, found []Anomaly) (int64, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res, err := tx.Exec(`INSERT INTO ticks (started, duration_ms, max_latency_ms, outcome, anomalies, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		t.Started.UnixMilli(), ms(t.Duration), ms(t.MaxLatency), t.Outcome, len(found), t.Detail)
	if err != nil {
		return 0, err
	}
	seq, _ := res.LastInsertId()
	seen := map[AnomalyKind]bool{}
	for _, a := range found {
		seen[a.Kind] = true
		if _, err := tx.Exec(`INSERT INTO anomalies (at, tick, kind, detail) VALUES (?, ?, ?, ?)`, a.At.UnixMilli(), seq, string(a.Kind), a.Detail); err != nil {
			return 0, err
		}
	}
	if t.Outcome != outcomeDown {
		for _, k := range anomalyKinds {
			if !seen[k] {
				if _, err := tx.Exec(`UPDATE anomalies SET resolved = 1 WHERE kind = ? AND resolved = 0`, string(k)); err != nil {
					return 0, err
				}
			}
		}
	}
	if seq%100 == 0 {
		if err := trim(tx, s.retention); err != nil {
			return 0, err
		}
	}
	return seq, tx.Commit()
}

// trim keeps the newest retention ticks and anomalies.
func trim(tx *sql.Tx, retention int) error {
	if _, err := tx.Exec(`DELETE FROM ticks WHERE seq <= (SELECT MAX(seq) FROM ticks) - ?`, retention); err != nil {
		return err
	}
	_, err := tx.Exec(`DELETE FROM anomalies WHERE seq <= (SELECT MAX(seq) FROM anomalies) - ?`, retention)
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lastTicks returns the newest n ticks, newest first.
func (s *store) lastTicks(ctx context.Context, n int) ([]TickRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, started, duration_ms, max_latency_ms, outcome, anomalies, detail FROM ticks ORDER BY seq DESC LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TickRecord
	for rows.Next() {
		var t TickRecord
		var started int64
		var dur, lat float64
		if err := rows.Scan(&t.Seq, &started, &dur, &lat, &t.Outcome, &t.Anomalies, &t.Detail); err != nil {
			return nil, err
		}
		t.Started = time.UnixMilli(started)
		t.Duration = time.Duration(dur * float64(time.Millisecond))
		t.MaxLatency = time.Duration(lat * float64(time.Millisecond))
		out = append(out, t)
	}
	return out, rows.Err()
}

// anomalies returns the newest n anomalies, newest first; open only
// when openOnly.
func (s *store) anomalies(ctx context.Context, n int, openOnly bool) ([]AnomalyRecord, error) {
	q := `SELECT seq, at, tick, kind, detail, resolved FROM anomalies`
	if openOnly {
		q += ` WHERE resolved = 0`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq DESC LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AnomalyRecord
	for rows.Next() {
		var a AnomalyRecord
		var at int64
		if err := rows.Scan(&a.Seq, &at, &a.Tick, &a.Kind, &a.Detail, &a.Resolved); err != nil {
			return nil, err
		}
		a.At = time.UnixMilli(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
