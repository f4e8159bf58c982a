package httpapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	memory "github.com/mcp-memory-go/memory"
)

// BulkDeleteBody is the body of POST /api/manage/bulk-delete. Filters
// combine with AND; at least one is required.
type BulkDeleteBody struct {
	Tag          string `json:"tag,omitempty" jsonschema:"delete memories with this tag"`
	Tags         Tags   `json:"tags,omitempty" jsonschema:"delete memories with any (or, with tag_match all, every one) of these tags"`
	TagMatch     string `json:"tag_match,omitempty" jsonschema:"any (default) or all"`
	MemoryType   string `json:"memory_type,omitempty" jsonschema:"delete memories of this type"`
	BeforeDate   string `json:"before_date,omitempty" jsonschema:"delete memories created before this date (YYYY-MM-DD or RFC 3339)"`
	AfterDate    string `json:"after_date,omitempty" jsonschema:"delete memories created at or after this date"`
	TimeExpr     string `json:"time_expr,omitempty" jsonschema:"natural-language time range, e.g. last week"`
	ConfirmCount *int   `json:"confirm_count,omitempty" jsonschema:"when given, must equal the number of matching memories, else nothing is deleted (409)"`
	DryRun       bool   `json:"dry_run,omitempty" jsonschema:"only count (and list) what would be deleted"`
}

// BulkOperationResponse answers the management operations.
type BulkOperationResponse struct {
	Success       bool     `json:"success"`
	Message       string   `json:"message"`
	AffectedCount int      `json:"affected_count"`
	Operation     string   `json:"operation"`
	DryRun        bool     `json:"dry_run,omitempty"`
	ContentHashes []string `json:"content_hashes" jsonschema:"the memories deleted (or that a dry run would delete)"`
}

func (a *API) bulkDelete(r *http.Request, b *BulkDeleteBody) (*BulkOperationResponse, error) {
	req := memory.DeleteRequest{Tags: append([]string{b.Tag}, b.Tags...), TagMatch: memory.TagMatch(b.TagMatch),
		Type: b.MemoryType, TimeExpr: b.TimeExpr, DryRun: true}
	var err error
	if req.After, err = memory.ParseDate("after_date", b.AfterDate); err != nil {
		return nil, err
	}
	if req.Before, err = memory.ParseDate("before_date", b.BeforeDate); err != nil {
		return nil, err
	}
	op := bulkOperation(b)
	dry, err := a.Service.Delete(r.Context(), req)
	if err != nil {
		return nil, err
	}
	if b.ConfirmCount != nil && *b.ConfirmCount != dry.Count {
		return nil, memory.Errorf(memory.EConflict, "confirm_count is %d but %d memories match; nothing was deleted", *b.ConfirmCount, dry.Count)
	}
	if b.DryRun {
		return &BulkOperationResponse{Success: true, Message: fmt.Sprintf("%d memories would be deleted (dry run)", dry.Count),
			AffectedCount: dry.Count, Operation: op, DryRun: true, ContentHashes: dry.Deleted}, nil
	}
	// Delete what was counted: a memory stored meanwhile that also matches
	// waits for the next confirmation.
	req.DryRun, req.Within = false, dry.Deleted
	res, err := a.Service.Delete(r.Context(), req)
	if err != nil {
		return nil, err
	}
	return &BulkOperationResponse{Success: true, Message: fmt.Sprintf("%d memories deleted", res.Count),
		AffectedCount: res.Count, Operation: op, ContentHashes: res.Deleted}, nil
}

// bulkOperation names a bulk delete by its filters, as upstream does for
// the one kind it implements.
func bulkOperation(b *BulkDeleteBody) string {
	var kinds []string
	if strings.TrimSpace(b.Tag) != "" || len(b.Tags) > 0 {
		kinds = append(kinds, "delete_by_tag")
	}
	if strings.TrimSpace(b.MemoryType) != "" {
		kinds = append(kinds, "delete_by_type")
	}
	if b.BeforeDate != "" || b.AfterDate != "" || strings.TrimSpace(b.TimeExpr) != "" {
		kinds = append(kinds, "delete_by_time")
	}
	if len(kinds) == 1 {
		return kinds[0]
	}
	return "bulk_delete"
}

func (a *API) cleanupDuplicates(r *http.Request) (*BulkOperationResponse, error) {
	res, err := a.Service.Cleanup(r.Context())
	if err != nil {
		return nil, err
	}
	return &BulkOperationResponse{Success: true, Message: strings.Join(res.Messages, "; "), AffectedCount: len(res.Removed),
		Operation: "cleanup_duplicates", ContentHashes: res.Removed}, nil
}

// TagStatsResponse answers GET /api/manage/tags/stats.
type TagStatsResponse struct {
	Tags      []TagStat `json:"tags"`
	TotalTags int       `json:"total_tags"`
}

// TagStat describes one tag.
type TagStat struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
	// LastUsed is the creation time of the newest memory with the tag, in
	// seconds since the Unix epoch.
	LastUsed    float64  `json:"last_used"`
	LastUsedISO string   `json:"last_used_iso"`
	MemoryTypes []string `json:"memory_types" jsonschema:"types of the memories carrying the tag"`
}

func (a *API) tagStats(r *http.Request) (*TagStatsResponse, error) {
	items, err := a.snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	type acc struct {
		TagStat
		types map[string]bool
	}
	byTag := map[string]*acc{}
	for _, it := range items {
		for _, t := range it.tags {
			s := byTag[t]
			if s == nil {
				s = &acc{TagStat: TagStat{Tag: t}, types: map[string]bool{}}
				byTag[t] = s
			}
			s.Count++
			if e := epoch(it.created); e > s.LastUsed {
				s.LastUsed, s.LastUsedISO = e, iso(it.created)
			}
			s.types[it.typ] = true
		}
	}
	out := &TagStatsResponse{Tags: make([]TagStat, 0, len(byTag)), TotalTags: len(byTag)}
	for _, s := range byTag {
		for t := range s.types {
			s.MemoryTypes = append(s.MemoryTypes, t)
		}
		sort.Strings(s.MemoryTypes)
		out.Tags = append(out.Tags, s.TagStat)
	}
	sort.Slice(out.Tags, func(i, j int) bool {
		if out.Tags[i].Count != out.Tags[j].Count {
			return out.Tags[i].Count > out.Tags[j].Count
		}
		return out.Tags[i].Tag < out.Tags[j].Tag
	})
	return out, nil
}

// CountResponse answers GET /api/manage/untagged/count.
type CountResponse struct {
	Count int `json:"count"`
}

func (a *API) untaggedCount(r *http.Request) (*CountResponse, error) {
	hashes, err := a.untagged(r)
	return &CountResponse{Count: len(hashes)}, err
}

// untagged lists the hashes of the caller's memories without tags.
func (a *API) untagged(r *http.Request) ([]string, error) {
	var hashes []string
	err := a.Service.Scan(r.Context(), func(m *memory.Memory) bool {
		if len(m.Tags) == 0 {
			hashes = append(hashes, m.Hash)
		}
		return true
	})
	return hashes, err
}

func (a *API) deleteUntagged(r *http.Request) (*BulkOperationResponse, error) {
	hashes, err := a.untagged(r)
	if err != nil {
		return nil, err
	}
	if n := paramsOf(r).int("confirm_count"); n != len(hashes) {
		return nil, memory.Errorf(memory.EConflict, "confirm_count is %d but %d memories have no tags; nothing was deleted", n, len(hashes))
	}
	out := &BulkOperationResponse{Success: true, Operation: "delete_untagged", ContentHashes: []string{}}
	for _, h := range hashes {
		_, err := a.Service.Delete(r.Context(), memory.DeleteRequest{Hash: h})
		switch memory.ErrorCode(err) {
		case "":
			out.ContentHashes = append(out.ContentHashes, h)
		case memory.ENotFound: // deleted meanwhile
		default:
			return nil, err
		}
	}
	out.AffectedCount = len(out.ContentHashes)
	out.Message = fmt.Sprintf("%d untagged memories deleted", out.AffectedCount)
	return out, nil
}
