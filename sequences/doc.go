// Package sequences is scimloop's property engine: rapid generates
// provisioning sequences (its StateMachine style, see actions.go), a machine
// runs each step through the run's [safety.Session] and judges it against the
// IdP's model, a failing sequence is shrunk and can be saved and replayed,
// and the whole becomes the "sequences" scenario ([PropertyScenario]).
// A [Search] keeps the search going after a failure, so that every distinct
// failing check is found within the budget, each with its own minimal
// sequence; any property run can use it (see its doc for the three calls).
package sequences
