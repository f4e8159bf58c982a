package memory

import (
	"sort"
	"strings"
)

// DefaultType is the memory type used when a store request names none.
const DefaultType = "note"

// FallbackType replaces a type that is not in the ontology; the caller is
// told with a warning, as upstream does.
const FallbackType = "observation"

// ontology is upstream's memory-type ontology (v9+): base types and their
// subtypes. Any base or subtype name is a valid type. The legacy types note,
// task and reference stay valid so that old clients and imports keep working.
var ontology = map[string][]string{
	"observation":   {"code_edit", "file_access", "search", "command", "conversation", "conversation_turn", "session", "document", "note", "reference"},
	"decision":      {"architecture", "tool_choice", "approach", "configuration"},
	"learning":      {"insight", "best_practice", "anti_pattern", "gotcha"},
	"error":         {"bug", "failure", "exception", "timeout", "mistake"},
	"pattern":       {"recurring_issue", "code_smell", "design_pattern", "workflow"},
	"planning":      {"sprint_goal", "backlog_item", "story_point_estimate", "velocity", "retrospective", "standup_note", "task"},
	"ceremony":      {"sprint_review", "sprint_planning", "daily_standup", "retrospective_action", "demo_feedback"},
	"milestone":     {"deliverable", "dependency", "risk", "constraint", "achievement"},
	"stakeholder":   {"requirement", "feedback", "escalation", "approval", "change_request", "status_update"},
	"meeting":       {"action_item", "attendee_note", "agenda_item", "follow_up", "minutes"},
	"research":      {"finding", "comparison", "recommendation", "source", "hypothesis"},
	"communication": {"email", "chat", "announcement", "request", "response"},
}

// typeBase maps every valid type to its base type.
var typeBase = func() map[string]string {
	m := make(map[string]string)
	for base, subs := range ontology {
		m[base] = base
		for _, s := range subs {
			m[s] = base
		}
	}
	m["standard"] = "observation" // upstream's pre-v9 default
	return m
}()

// MemoryTypes returns every valid memory type, sorted.
func MemoryTypes() []string {
	out := make([]string, 0, len(typeBase))
	for t := range typeBase {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// BaseType returns the base type of a valid type ("bug" → "error") and
// whether the type is valid.
func BaseType(t string) (string, bool) {
	b, ok := typeBase[t]
	return b, ok
}

// NormalizeType lower-cases and trims t and checks it against the ontology.
// An empty type becomes DefaultType. An unknown type becomes FallbackType and
// the returned warning says so; the caller shows it to the user.
func NormalizeType(t string) (typ, warning string) {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.ReplaceAll(t, "-", "_")
	t = strings.ReplaceAll(t, " ", "_")
	switch {
	case t == "":
		return DefaultType, ""
	case typeBase[t] != "":
		return t, ""
	}
	return FallbackType, "memory type " + quote(Clip(t, 40)) + " is not in the ontology; stored as " +
		quote(FallbackType) + " (valid types include note, decision, learning, error, bug, task, reference, document, session, mistake)"
}

func quote(s string) string { return "'" + s + "'" }
