package mcpserver

// memory_consolidate and its v8 names.

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/consolidate"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ConsolidateArgs are the arguments of memory_consolidate.
type ConsolidateArgs struct {
	Action      string `json:"action" jsonschema:"run, status, recommend, scheduler, pause or resume"`
	TimeHorizon string `json:"time_horizon,omitempty" jsonschema:"daily, weekly, monthly, quarterly or yearly; required for run and recommend; pause and resume act on every horizon without it"`
	Immediate   *Bool  `json:"immediate,omitempty" jsonschema:"accepted for compatibility: run always runs at once"`
	DryRun      Bool   `json:"dry_run,omitempty" jsonschema:"run: report what the pass would do without changing anything"`
}

// ConsolidateOutput is the result of memory_consolidate; the field of its
// action is set.
type ConsolidateOutput struct {
	Action         string                       `json:"action"`
	Message        string                       `json:"message"`
	Report         *consolidate.Report          `json:"report,omitempty"`
	Status         *consolidate.Status          `json:"status,omitempty"`
	Recommendation *consolidate.Recommendation  `json:"recommendation,omitempty"`
	Schedules      []consolidate.ScheduleStatus `json:"schedules,omitempty"`
}

var consolidateActions = []string{"run", "status", "recommend", "scheduler", "pause", "resume"}

func (h *handlers) consolidate(ctx context.Context, _ *mcp.CallToolRequest, in ConsolidateArgs) (*mcp.CallToolResult, ConsolidateOutput, error) {
	c := h.opts.Consolidator
	out := ConsolidateOutput{Action: strings.ToLower(strings.TrimSpace(in.Action))}
	fail := func(err error) (*mcp.CallToolResult, ConsolidateOutput, error) {
		return nil, ConsolidateOutput{}, h.toolError(err)
	}
	var hz consolidate.Horizon
	if strings.TrimSpace(in.TimeHorizon) != "" {
		var err error
		if hz, err = consolidate.ParseHorizon(in.TimeHorizon); err != nil {
			return fail(err)
		}
	}
	needHorizon := func() error {
		if hz == "" {
			return memory.Errorf(memory.EInvalid, "time_horizon is required for %s: daily, weekly, monthly, quarterly or yearly", out.Action)
		}
		return nil
	}
	switch out.Action {
	case "run":
		if err := needHorizon(); err != nil {
			return fail(err)
		}
		r, err := c.Consolidate(ctx, hz, consolidate.Options{DryRun: bool(in.DryRun)})
		if err != nil {
			return fail(err)
		}
		out.Report, out.Message = &r, r.Text()
	case "status", "scheduler":
		st, err := c.Status(ctx)
		if err != nil {
			return fail(err)
		}
		out.Status, out.Schedules = &st, st.Schedules
		out.Message = formatConsolidationStatus(st)
	case "recommend":
		if err := needHorizon(); err != nil {
			return fail(err)
		}
		r, err := c.Recommend(ctx, hz)
		if err != nil {
			return fail(err)
		}
		out.Recommendation = &r
		out.Message = fmt.Sprintf("%s for the %s horizon (%d memories, estimated %s)", r.Recommendation, hz, r.MemoryCount, r.EstimatedDuration)
		if len(r.Reasons) > 0 {
			out.Message += ": " + strings.Join(r.Reasons, "; ")
		}
	case "pause", "resume":
		op := c.Pause
		if out.Action == "resume" {
			op = c.Resume
		}
		sch, err := op(ctx, hz)
		if err != nil {
			return fail(err)
		}
		out.Schedules = sch
		what := "every horizon"
		if hz != "" {
			what = "the " + string(hz) + " horizon"
		}
		out.Message = fmt.Sprintf("Scheduled consolidation %sd for %s of your memories", out.Action, what)
	default:
		return fail(memory.Errorf(memory.EInvalid, "action must be one of %s, got %q", strings.Join(consolidateActions, ", "), in.Action))
	}
	return textResult(out.Message), out, nil
}

// formatConsolidationStatus renders the scheduler's state.
func formatConsolidationStatus(st consolidate.Status) string {
	var b strings.Builder
	switch {
	case st.Running:
		b.WriteString("A consolidation pass is running.")
	default:
		b.WriteString("No consolidation pass is running.")
	}
	if !st.SchedulerRunning {
		b.WriteString(" Scheduled consolidation is off (MCP_CONSOLIDATION_ENABLED and MCP_SCHEDULE_*).")
	}
	for _, s := range st.Schedules {
		switch {
		case s.Spec == "":
			continue
		case s.Paused != nil:
			fmt.Fprintf(&b, "\n- %s (%s): paused since %s", s.Horizon, s.Spec, s.Paused.Format("2006-01-02 15:04"))
		case s.NextRun != nil:
			fmt.Fprintf(&b, "\n- %s (%s): next %s", s.Horizon, s.Spec, s.NextRun.Format("2006-01-02 15:04 MST"))
		}
	}
	fmt.Fprintf(&b, "\nPasses: %d run, %d failed; %d memories archived.", st.JobsExecuted, st.JobsFailed, st.Archived)
	if st.LastRun != nil {
		fmt.Fprintf(&b, " Last: %s %s at %s.", st.LastRun.Horizon, st.LastRun.Status, st.LastRun.StartedAt.Format("2006-01-02 15:04"))
	}
	return b.String()
}

func (h *handlers) registerConsolidate(s *toolSet) {
	if h.opts.Consolidator == nil {
		return
	}
	addToolSchema(s, "memory_consolidate", "Consolidate Memories",
		"Keep the memory useful: run a consolidation pass for a time_horizon (relevance decay; links between related memories; summaries of clusters of similar memories, "+
			"which stay; archiving of memories unused and irrelevant for long, which can be restored), with dry_run to see what it would do; "+
			"status and scheduler show the schedule and past passes; recommend says whether a pass is worth it; pause and resume the scheduled passes of your memories.",
		destructive, func() *jsonschema.Schema {
			return withEnum(inputSchema[ConsolidateArgs](), "action", consolidateActions...)
		}, h.consolidate)
}

// registerConsolidateLegacy registers the v8 names of memory_consolidate.
func (h *handlers) registerConsolidateLegacy(s *toolSet) {
	if h.opts.Consolidator == nil {
		return
	}
	for name, action := range map[string]string{
		"consolidate_memories": "run", "trigger_consolidation": "run", "consolidation_status": "status",
		"consolidation_recommendations": "recommend", "scheduler_status": "scheduler", "pause_consolidation": "pause", "resume_consolidation": "resume",
	} {
		ann := destructive
		if action == "status" || action == "scheduler" || action == "recommend" {
			ann = readOnly
		}
		addLegacy(s, name, "Same as memory_consolidate "+action+".", ann,
			func(ctx context.Context, req *mcp.CallToolRequest, in LegacyConsolidateArgs) (*mcp.CallToolResult, ConsolidateOutput, error) {
				if in.TimeHorizon == "" && action == "run" {
					in.TimeHorizon = string(consolidate.Weekly) // upstream's default
				}
				return h.consolidate(ctx, req, ConsolidateArgs{Action: action, TimeHorizon: in.TimeHorizon, DryRun: in.DryRun})
			})
	}
}

// LegacyConsolidateArgs are the arguments of the v8 consolidation tools.
type LegacyConsolidateArgs struct {
	TimeHorizon string `json:"time_horizon,omitempty" jsonschema:"daily, weekly, monthly, quarterly or yearly"`
	Immediate   *Bool  `json:"immediate,omitempty"`
	DryRun      Bool   `json:"dry_run,omitempty"`
}
