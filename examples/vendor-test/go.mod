// An example vendor module: SCIM conformance in the vendor's own go test.
// In your repository, drop the replace directive and require a released
// version of github.com/scimloop/scimloop instead.
module example.com/acme/scim

go 1.26.0

require github.com/scimloop/scimloop v0.0.0-00010101000000-000000000000

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/q-uint/parser v0.3.1 // indirect
	github.com/scim2/filter-parser/v2 v2.3.1 // indirect
	github.com/tidwall/gjson v1.20.2 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.3.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.16.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)

replace github.com/scimloop/scimloop => ../..
