package reports_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/scimloop/scimloop/reports"
)

// A Run read back from results.json can be rendered again in any format.
func ExampleRender() {
	run, err := reports.ReadJSON(strings.NewReader(`{
		"tool": "scimloop", "version": "v1.0.0", "target": "http://127.0.0.1:8080/scim/v2",
		"verdict": {"result": "pass", "idpCompat": "n/a", "passed": 1},
		"checks": [{"id": "status-201-on-create", "level": "MUST", "status": "pass"}],
		"scenarios": [{"name": "create-user", "status": "pass", "durationSeconds": 0.02,
			"checks": [{"id": "status-201-on-create", "status": "pass"}]}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := reports.Render("md", os.Stdout, run); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ## scimloop conformance report
	//
	// **RFC verdict: ✅ PASS** · **IdP compatibility: ➖ N/A**
	//
	// target `http://127.0.0.1:8080/scim/v2` · scimloop v1.0.0 · seed 0 · 0.000 s
	//
	// | Passed | Failed | MUST failures | Warnings (SHOULD) | Skipped | Errored |
	// | ---: | ---: | ---: | ---: | ---: | ---: |
	// | 1 | 0 | 0 | 0 | 0 | 0 |
}

func ExampleFormats() {
	fmt.Println(reports.Formats())
	// Output: [har html json junit md]
}
