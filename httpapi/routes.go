package httpapi

import (
	"net/http"

	"github.com/mcp-memory-go/memory/auth"
)

const (
	get  = http.MethodGet
	post = http.MethodPost
	put  = http.MethodPut
	del  = http.MethodDelete

	public = ""
	read   = auth.ScopeRead
	write  = auth.ScopeWrite
	admin  = auth.ScopeAdmin
)

// Routes returns the route table: every operation of the API, in the order
// of the reference. Handler, OpenAPI and the /api/docs page are built from
// it, so that documentation and code cannot disagree.
func (a *API) Routes() []Route {
	var rs []Route
	rs = append(rs, tagged("health",
		rawJSON[HealthResponse](get, "/api/health", public, "Service status only: {\"status\": \"healthy\"|\"degraded\"|\"unhealthy\"} (503 when unhealthy)", a.health),
		rawJSON[DetailedHealth](get, "/api/health/detailed", read, "Status, version, uptime, the caller's storage statistics, semantic search state and problems", a.healthDetailed),
	)...)

	rs = append(rs, tagged("memories",
		bodyOp(post, "/api/memories", write, "Store a memory; header X-Agent-ID adds the tag agent:<id>; a duplicate answers 200 with success false and error \"conflict\"", a.storeMemory),
		jsonOp(get, "/api/memories", read, "List memories, newest first, a page at a time", a.listMemories).with(
			intQuery("page", "page number, from 1", 1, 1, 1_000_000),
			intQuery("page_size", "memories per page", 10, 1, 100),
			strQuery("tag", "only memories with these tags (comma-separated)"),
			enumQuery("tag_match", "whether a memory needs any or all of the tags", "any", "any", "all"),
			strQuery("memory_type", "only memories of this type"),
			Param{Name: "include_superseded", In: "query", Type: "boolean", Default: false, Description: "also list versions replaced by newer ones"},
		),
		jsonOp(get, "/api/memories/{content_hash}", read, "Get one memory (404 if unknown)", a.getMemory).with(pathHash()),
		bodyOp(put, "/api/memories/{content_hash}", write, "Change tags (replaced), memory type or metadata (merged); timestamps are kept", a.updateMemory).with(pathHash()),
		jsonOp(del, "/api/memories/{content_hash}", write, "Delete one memory (404 if unknown)", a.deleteMemory).with(pathHash()),
		bodyOp(post, "/api/sessions", write, "Store a conversation as session memories", a.storeSession),
		jsonOp(get, "/api/tags", read, "Tags with their counts, most used first", a.listTags),
		jsonOp(get, "/api/types", read, "Valid memory types, sorted", a.listTypes),
	)...)

	rs = append(rs, tagged("search",
		bodyOp(post, "/api/search", read, "Search by meaning and keywords (hybrid by default), filtered by tags, type and time", a.search),
		bodyOp(post, "/api/memories/search", read, "Same as POST /api/search (the path upstream's guides use)", a.search),
		bodyOp(post, "/api/search/by-tag", read, "Memories with any (or all) of the tags, newest first", a.searchByTag),
		bodyOp(post, "/api/search/by-time", read, "Memories of a natural-language time range, newest first or ranked by semantic_query", a.searchByTime),
		jsonOp(get, "/api/search/similar/{content_hash}", read, "Memories most like a stored one (404 if unknown)", a.searchSimilar).with(
			pathHash(), intQuery("n_results", "number of results", 10, 1, 100)),
	)...)

	rs = append(rs, tagged("manage",
		bodyOp(post, "/api/manage/bulk-delete", write, "Delete by tags, memory type and time (AND); confirm_count guards against surprises; dry_run only counts", a.bulkDelete),
		jsonOp(post, "/api/manage/cleanup-duplicates", write, "Merge memories that differ only in case, spacing or punctuation", a.cleanupDuplicates),
		jsonOp(get, "/api/manage/tags/stats", read, "Every tag with its count, last use and memory types", a.tagStats),
		jsonOp(get, "/api/manage/untagged/count", read, "Number of memories without tags", a.untaggedCount),
		jsonOp(post, "/api/manage/delete-untagged", write, "Delete the memories without tags; confirm_count must equal their number", a.deleteUntagged).with(
			Param{Name: "confirm_count", In: "query", Type: "integer", Required: true, Description: "the number of untagged memories (see GET /api/manage/untagged/count)",
				Minimum: ptr(0.0), Maximum: ptr(1e9)}),
	)...)

	rs = append(rs, tagged("analytics",
		jsonOp(get, "/api/analytics/overview", read, "Totals, recent activity, tags, database size, uptime", a.overview),
		jsonOp(get, "/api/analytics/memory-growth", read, "Memories created per interval and cumulatively", a.memoryGrowth).with(
			enumQuery("period", "time span", "month", "week", "month", "quarter", "year")),
		jsonOp(get, "/api/analytics/tag-usage", read, "Most used tags in a period with growth against the previous one", a.tagUsage).with(
			enumQuery("period", "time span", "all", "week", "month", "all"),
			intQuery("limit", "number of tags", 20, 1, 1000)),
		jsonOp(get, "/api/analytics/memory-types", read, "Memories per type", a.memoryTypes),
		jsonOp(get, "/api/analytics/activity-heatmap", read, "Memories created per day, graded 0-4", a.activityHeatmap).with(
			intQuery("days", "number of days up to today", 365, 1, 3660)),
		jsonOp(get, "/api/analytics/top-tags", read, "Top tags with trend and co-occurring tags", a.topTags).with(
			enumQuery("period", "time span", "30d", "7d", "30d", "90d", "all"),
			intQuery("limit", "number of tags", 20, 1, 1000)),
		jsonOp(get, "/api/analytics/activity-breakdown", read, "Activity by hour, weekday or week, peak times and streaks", a.activityBreakdown).with(
			enumQuery("granularity", "bucket size", "daily", "hourly", "daily", "weekly")),
		jsonOp(get, "/api/analytics/storage-stats", read, "Database size, average and largest memories, size trend", a.storageStats),
	)...)

	rs = append(rs, tagged("events",
		raw(get, "/api/events", read, "Server-sent events of the caller's memories: connection_established, heartbeat, memory_stored, memory_updated, memory_deleted, upload_progress, "+
			"memory_archived, memory_restored, conflict_detected, consolidation_started, consolidation_completed. "+
			"Browsers, which cannot send headers here, pass ?ticket= from POST /api/events/ticket (accepted on this route only)", "text/event-stream", a.streamEvents),
		jsonOp(post, "/api/events/ticket", read, "A one-use ticket (60 s) for opening GET /api/events?ticket=… from a browser", a.issueTicket),
		jsonOp(get, "/api/events/stats", read, "Open event streams: the caller's own, or all for an admin", a.eventStats),
	)...)

	rs = append(rs, a.documentRoutes()...)
	rs = append(rs, a.syncRoutes()...)
	rs = append(rs, a.backupRoutes()...)

	rs = append(rs, a.curationRoutes()...)

	rs = append(rs, tagged("session",
		bodyOpHeaders(post, "/api/session", public, "Log a browser in with an API key: sets an HttpOnly SameSite=Strict session cookie and returns the CSRF token that every POST, PUT and DELETE of the session must send as X-CSRF-Token (failed attempts are rate-limited)", a.login),
		jsonOp(get, "/api/session", read, "The current browser session and its CSRF token (401 without one); with anonymous access, a session-less answer", a.session),
		rawJSON[LogoutResponse](del, "/api/session", read, "Log the browser out", a.logout),
	)...)

	rs = append(rs, tagged("keys",
		jsonOp(get, "/api/keys", admin, "Every API key (never the secrets)", a.listKeys),
		bodyOp(post, "/api/keys", admin, "Make an API key for the caller's owner; the secret is in this answer only", a.createKey),
		jsonOp(del, "/api/keys/{id}", admin, "Revoke an API key at once (404 if unknown)", a.revokeKey).with(
			Param{Name: "id", In: "path", Type: "string", Required: true, Description: "the key's id (the 12 hex digits after mms_)"}),
	)...)

	rs = append(rs, tagged("docs",
		rawJSON[map[string]any](get, "/api/openapi.json", public, "This API as an OpenAPI 3.1 document", a.serveOpenAPI),
		raw(get, "/api/docs", public, "This API as an HTML page", "text/html", a.serveDocs),
	)...)
	return rs
}

func ptr[T any](v T) *T { return &v }
