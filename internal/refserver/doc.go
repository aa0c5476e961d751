// Package refserver is the embedded reference SCIM 2.0 service provider:
// an in-memory, concurrency-safe server that follows RFC 7643/7644 and that
// can misbehave on purpose through named faults (see Faults), or play a
// correct but limited real server through personalities (see
// Personalities). It is the
// harness's default target and its test oracle, so it imports nothing of
// the harness.
//
// Files by concern: server.go (config, routing, auth, JSON I/O), store.go
// (data and indexes), schema.go (schema definitions as data), values.go
// (input validation and coercion), crud.go (POST/GET/PUT/DELETE, meta,
// ETags), patch.go, filter.go, list.go (queries, .search, sort, paging),
// project.go (rendering, attributes/excludedAttributes), bulk.go,
// patchtarget.go (applying one PATCH operation, step by step),
// discovery.go, errors.go, faults.go (the fault kinds, and the list of the
// files' fault tables), chaos.go (the per-request randomness of the chaos
// faults), personalities.go, and wirefaults.go with wirefaults_table*.go
// (the faults that wrap the correct handlers as middleware, rewriting
// requests and answers at the edge). A fault is declared in the file of its
// misbehaviour: its name constant and its line in that file's table
// (crudFaults in crud.go, listFaults in list.go, ...).
//
// Where the RFCs leave a choice, the server decides as follows:
//
//   - Missing or wrong "schemas" in a request body: 400 invalidSyntax (the
//     body does not conform to the request schema, RFC 7644 Table 9).
//     Missing required or wrongly typed values: 400 invalidValue. In PATCH,
//     removing or unassigning a required attribute is 400 mutability
//     (RFC 7644 §3.5.2.2).
//   - Uniqueness conflicts are 409 uniqueness for POST, PUT and PATCH.
//   - A stale If-Match is 412 (not 409). "*" matches any existing resource.
//     ETags are strong ("3"): If-Match compares them strongly (RFC 7232
//     §3.1), so a weak tag never matches; If-None-Match compares weakly.
//   - Removing a value that is not there (a value filter that matches
//     nothing) succeeds without change (RFC 7644 §3.5.2.2 example); a
//     replace whose value filter matches nothing is 400 noTarget
//     (§3.5.2.3). An add whose value filter matches nothing creates the
//     element the filter describes (phoneNumbers[type eq "mobile"].value).
//   - Group members must be ids of existing Users or Groups (referential
//     integrity, RFC 7643 §2.3.7): others are 400 invalidValue. Deleting a
//     user or group removes it from every group, which is a real change of
//     those groups (new version and lastModified).
//   - User.groups is derived from membership. A membership change does not
//     change the user's meta.version or lastModified: groups is readOnly
//     and owned by the Group resource, and IdPs would otherwise see their
//     stored user ETags go stale on every group update.
//   - Boolean attributes accept the strings "true"/"false" in any case
//     (Entra), stored and returned as JSON booleans.
//   - PATCH remove with path "members" and a value array removes only the
//     listed members (Entra's legacy shape), never all of them.
//   - Path-less add/replace treats each key as a path ("name.givenName",
//     URN-qualified names). An "id" key equal to the resource's id is
//     ignored (Okta's group rename).
//   - A PUT that omits the writeOnly password keeps the stored one (a client
//     can never echo it back); other omitted attributes are cleared.
//   - Unknown attributes in bodies are ignored; unknown attribute names in
//     filters are 400 invalidFilter; unknown names in attributes /
//     excludedAttributes and in sortBy are ignored.
//   - filter=emails[type eq "work"].value eq "x" (Entra's documented form,
//     outside the RFC ABNF) is read as emails[type eq "work" and value eq "x"].
//   - A filter on a discovery endpoint is 403 (RFC 7644 §4 SHOULD).
//   - lastModified has nanosecond precision and strictly increases on every
//     real change, even when the clock does not move; a no-op update leaves
//     meta alone.
//   - caseExact=false values (userName among them) compare with the
//     mappings of PRECIS UsernameCaseMapped (RFC 8265): width, case, NFC.
//   - Not implemented: /Me (501: a shared bearer token names no subject),
//     URL version checks (invalidVers), cursor
//     paging, tooMany.
package refserver
