package reports

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteReconcileJUnit writes JUnit XML with one testcase per drifted
// resource (its drift as the failure) and, when the walk was incomplete, an
// errored testcase saying why, so CI can gate on it. A report in sync has
// one passing testcase.
func WriteReconcileJUnit(w io.Writer, r *Reconcile) error {
	order, by := driftByResource(r.Drift)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	tests := max(len(order), 1) + len(r.Incomplete)
	b.WriteString("<testsuites")
	xmlAttr(&b, "name", "scimloop reconcile")
	xmlAttr(&b, "tests", strconv.Itoa(tests))
	xmlAttr(&b, "failures", strconv.Itoa(len(order)))
	xmlAttr(&b, "errors", strconv.Itoa(len(r.Incomplete)))
	b.WriteString(">\n  <testsuite")
	xmlAttr(&b, "name", "reconcile "+r.Target)
	xmlAttr(&b, "tests", strconv.Itoa(tests))
	xmlAttr(&b, "failures", strconv.Itoa(len(order)))
	xmlAttr(&b, "errors", strconv.Itoa(len(r.Incomplete)))
	xmlAttr(&b, "skipped", "0")
	xmlAttr(&b, "time", strconv.FormatFloat(r.Duration, 'f', 3, 64))
	b.WriteString(">\n")
	for _, k := range order {
		ds := by[k]
		b.WriteString("    <testcase")
		xmlAttr(&b, "classname", "reconcile."+ds[0].Type)
		xmlAttr(&b, "name", k)
		b.WriteString(">\n      <failure")
		xmlAttr(&b, "message", fmt.Sprintf("%s: %s", ds[0].Class, ds[0].Text()))
		xmlAttr(&b, "type", string(ds[0].Class))
		b.WriteString(">")
		var text strings.Builder
		for _, d := range ds {
			fmt.Fprintf(&text, "%s: %s\n", d.Class, d.Text())
		}
		xmlText(&b, text.String())
		b.WriteString("</failure>\n    </testcase>\n")
	}
	for i, in := range r.Incomplete {
		b.WriteString("    <testcase")
		xmlAttr(&b, "classname", "reconcile")
		xmlAttr(&b, "name", fmt.Sprintf("incomplete %d", i+1))
		b.WriteString(">\n      <error")
		xmlAttr(&b, "message", in)
		b.WriteString("/>\n    </testcase>\n")
	}
	if len(order) == 0 {
		b.WriteString("    <testcase")
		xmlAttr(&b, "classname", "reconcile")
		xmlAttr(&b, "name", "in sync")
		b.WriteString("/>\n")
	}
	b.WriteString("  </testsuite>\n</testsuites>\n")
	_, err := w.Write(b.Bytes())
	return err
}
