package refserver

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Fault is a named, deliberate deviation from correct behaviour. Each one
// mimics a bug seen in real SCIM servers, scoped to break one or a few rules.
type Fault struct {
	Name        string
	Kind        string // KindConformance, KindShould, KindIDP or KindChaos
	Description string
	Dialect     string // for KindIDP: the IdP dialect whose requests it breaks (e.g. "entra-legacy")
	Profile     string // for KindProfile: the certification profile whose own rule it breaks
}

// Fault kinds: what a harness run against the fault must show.
const (
	// KindConformance breaks a MUST-level rule: a plain run fails (exit 1)
	// on at least one MUST-level check.
	KindConformance = "conformance"
	// KindShould breaks only SHOULD-level rules: a plain run passes with
	// warnings (exit 0); a --strict run fails on a SHOULD-level check.
	KindShould = "should"
	// KindIDP breaks only what a real IdP sends: a run with the fault's
	// Dialect fails on an IDP-level check.
	KindIDP = "idp"
	// KindChaos stresses the client (errors to retry, latency): the run
	// must complete and the report show what happened.
	KindChaos = "chaos"
	// KindProfile breaks only a rule of a certification profile's document
	// that the RFCs leave open: a run under that Profile fails on a check of
	// the profile's area, while a plain run passes.
	KindProfile = "profile"
)

func conformance(name, desc string) Fault {
	return Fault{Name: name, Kind: KindConformance, Description: desc}
}
func should(name, desc string) Fault { return Fault{Name: name, Kind: KindShould, Description: desc} }
func idp(name, dialect, desc string) Fault {
	return Fault{Name: name, Kind: KindIDP, Description: desc, Dialect: dialect}
}
func chaos(name, desc string) Fault { return Fault{Name: name, Kind: KindChaos, Description: desc} }
func profileFault(name, profile, desc string) Fault {
	return Fault{Name: name, Kind: KindProfile, Description: desc, Profile: profile}
}

// faultTable is every fault checked inside the handlers. Each file declares
// its own beside the code that checks them: a name constant (so a typo in
// the server is a compile error) and a line in the file's table, which is
// listed here. Wire faults, which wrap the server, are in wireFaults.
var faultTable = slices.Concat(
	crudFaults,
	listFaults,
	filterFaults,
	patchFaults,
	patchTargetFaults,
	projectFaults,
	caselessFaults,
	capabilityFaults,
	asyncFaults,
	serverFaults,
	chaosFaults,
	schemaFaults,
	cursorFaults,
	personalityFaults,
	profileRuleFaults,
)

// Faults lists every fault the reference server can inject, sorted by name:
// those checked inside the handlers and those that wrap them (wire faults).
func Faults() []Fault {
	out := append([]Fault(nil), faultTable...)
	for _, w := range wireFaults {
		out = append(out, w.Fault)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ErrUnknownFault is the error New wraps when Config names a fault that
// does not exist.
var ErrUnknownFault = errors.New("unknown fault")

func parseFaults(names []string) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range Faults() {
		known[f.Name] = true
	}
	set := map[string]bool{}
	var unknown []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !known[n] {
			unknown = append(unknown, n)
			continue
		}
		set[n] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("refserver: %w(s): %s", ErrUnknownFault, strings.Join(unknown, ", "))
	}
	return set, nil
}
