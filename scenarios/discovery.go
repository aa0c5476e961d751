package scenarios

import (
	"github.com/scimloop/scimloop/assertions"
	"github.com/scimloop/scimloop/fakeidp"
)

var discovery = Scenario{
	Name:   "discovery",
	Areas:  []string{"discovery"},
	Checks: []string{"content-type-scim", "error-schema", "error-status-string"},
	Run: func(s *S) {
		sp := s.Env.SP
		s.Judge("disc-spc-schema", assertions.SPCSchema(sp.Config), sp.Config)
		s.Judge("disc-spc-members", assertions.SPCMembers(sp.Config), sp.Config)
		s.Judge("content-type-scim", assertions.ContentTypeSCIM(sp.Config), sp.Config)
		if sp.ResourceTypes == nil || sp.Schemas == nil {
			s.Stop("discovery could not read /ResourceTypes and /Schemas")
		}
		s.Judge("disc-resourcetypes-list", assertions.ResourceTypesList(sp.ResourceTypes), sp.ResourceTypes)
		s.Judge("disc-schemas-list", assertions.SchemasList(sp.Schemas), sp.Schemas)
		for _, ex := range []*fakeidp.Exchange{sp.ResourceTypes, sp.Schemas} {
			s.Judge("content-type-scim", assertions.ContentTypeSCIM(ex), ex)
			s.JudgeError(ex)
		}
	},
}
