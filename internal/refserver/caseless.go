package refserver

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// The faults of userName comparison: each name, and its line in the table
// faults.go gathers, beside the code that checks it with s.fault.
const (
	fUserNameNotPrecis = "username-not-precis"
)

var caselessFaults = []Fault{
	conformance(fUserNameNotPrecis, "userName is compared with case ignored but without PRECIS preparation: José in NFD or full width is another user"),
}

// caseless prepares a string for a comparison that ignores case
// (caseExact=false, RFC 7643 §2.1), with the mappings of the PRECIS
// UsernameCaseMapped profile (RFC 8265 §3.3, which replaced RFC 7613 that RFC
// 7644 §7.8 cites): width mapping, case folding, then NFC. So "José" in NFC
// and in NFD, and "ＪＯＳÉ" in full width, are one userName. PRECIS's rules on
// disallowed code points are not applied: they judge which names to accept,
// not how two accepted names compare.
func caseless(s string) string {
	if isASCII(s) { // the common case, where every mapping but case is the identity
		return strings.ToLower(s)
	}
	return norm.NFC.String(cases.Fold().String(width.Fold.String(s)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// lowerOnly is the comparison of a server without PRECIS preparation (the
// username-not-precis fault): only case is ignored.
func lowerOnly(s string) string { return strings.ToLower(s) }

// fold returns the server's caseless comparison.
func (s *Server) fold() func(string) string {
	if s.fault(fUserNameNotPrecis) {
		return lowerOnly
	}
	return caseless
}
