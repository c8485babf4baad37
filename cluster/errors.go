package cluster

import "github.com/perfbench/perfbench/internal/cmderr"

func checkID(id string) error {
	if id == "" {
		return cmderr.BadInputf("--id is required: a node id made of letters, digits, '-' or '_'")
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return cmderr.BadInputf("invalid node id %q: use letters, digits, '-' or '_'", id)
		}
	}
	return nil
}
