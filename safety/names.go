package safety

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
)

// Names issues the run's resource names. Every name carries the run prefix
// (userName, externalId, displayName) and emails use the run's own domain,
// so the run's resources can be told from anyone else's.
type Names struct {
	Prefix string // e.g. "scimloop-k3x9q2-"
	Domain string // e.g. "k3x9q2.example.test"
	n      atomic.Int64
}

// NewNames returns names for a run with a random id.
func NewNames() *Names { return NamesFor(RandomRunID()) }

// NamesFor returns names for the run id (lower-case letters and digits).
func NamesFor(runID string) *Names {
	return &Names{Prefix: "scimloop-" + runID + "-", Domain: runID + ".example.test"}
}

// RandomRunID returns a short random run id.
func RandomRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Next returns a fresh name with the run prefix: "scimloop-k3x9q2-user-7".
func (n *Names) Next(kind string) string {
	return fmt.Sprintf("%s%s-%d", n.Prefix, kind, n.n.Add(1))
}

// Email returns an address in the run's domain for a local part.
func (n *Names) Email(local string) string {
	return strings.ToLower(strings.TrimPrefix(local, n.Prefix)) + "@" + n.Domain
}

// Owns reports whether name carries the run prefix.
func (n *Names) Owns(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), strings.ToLower(n.Prefix))
}
