package httpapi

// Document routes (/api/documents/*), upstream's paths and payloads:
// uploads are authenticated and owned (upstream's had no authentication at
// all), processed in the background with progress on the event stream, and
// their history survives restarts.

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	memory "github.com/mcp-memory-go/memory"
	"github.com/mcp-memory-go/memory/httperror"
	"github.com/mcp-memory-go/memory/ingest"
	"github.com/mcp-memory-go/memory/ingest/document"
)

// DefaultMaxUploadBytes bounds the body of an upload request (every file
// of a batch together).
const DefaultMaxUploadBytes = 200 << 20

// MaxBatchFiles bounds the files of one batch upload.
const MaxBatchFiles = 100

// uploadForm describes the multipart fields of the upload routes.
func uploadForm(batch bool) []FormField {
	file := FormField{Name: "file", Type: "file", Required: true, Description: "the document (pdf, txt, md, json, csv, html, docx)"}
	if batch {
		file = FormField{Name: "files", Type: "file", Array: true, Required: true, Description: "the documents, one part each"}
	}
	return []FormField{file,
		{Name: "tags", Type: "string", Description: "tags for every chunk, comma or space separated"},
		{Name: "chunk_size", Type: "integer", Description: "characters per chunk, 100-10000 (default 1000)"},
		{Name: "chunk_overlap", Type: "integer", Description: "characters shared by neighbouring chunks, 0-1000 (default 200)"},
		{Name: "memory_type", Type: "string", Description: "memory type of the chunks (default document)"},
	}
}

func (a *API) documentRoutes() []Route {
	upload := rawJSON[UploadAccepted](post, "/api/documents/upload", write, "Upload a document; it is read, chunked and stored in the background (202). Poll status/{upload_id} or watch upload_progress events", a.uploadOne)
	upload.Form, upload.Status = uploadForm(false), http.StatusAccepted
	batch := rawJSON[UploadAccepted](post, "/api/documents/batch-upload", write, "Upload several documents as one upload (202)", a.uploadBatch)
	batch.Form, batch.Status = uploadForm(true), http.StatusAccepted
	uploadID := Param{Name: "upload_id", In: "path", Type: "string", Required: true, Description: "the upload's id"}
	return tagged("documents",
		jsonOp(get, "/api/documents/formats", read, "Supported formats, limits and chunking defaults", a.documentFormats),
		upload, batch,
		jsonOp(get, "/api/documents/status/{upload_id}", read, "Status and progress of an upload (404 if unknown)", a.uploadStatus).with(uploadID),
		jsonOp(get, "/api/documents/history", read, "The caller's uploads, newest first", a.uploadHistory).with(
			intQuery("limit", "number of uploads", 50, 1, 1000)),
		jsonOp(del, "/api/documents/remove/{upload_id}", write, "Remove an upload from the history and, by default, its memories", a.removeUpload).with(uploadID,
			Param{Name: "remove_from_memory", In: "query", Type: "boolean", Default: true, Description: "also delete the memories of the upload"}),
		jsonOp(del, "/api/documents/remove-by-tags", write, "Delete the memories with any of the tags (repeat tags=, or comma-separate)", a.removeByTags).with(
			Param{Name: "tags", In: "query", Type: "string", Required: true, Description: "tags; the parameter may be repeated"}),
		jsonOp(get, "/api/documents/search-content/{upload_id}", read, "The chunks of an upload in file order", a.uploadContent).with(uploadID,
			intQuery("limit", "number of chunks", 1000, 1, 100000)),
	)
}

// documents returns the upload manager, or 503 when ingestion is off.
func (a *API) documents() (*ingest.Manager, error) {
	if a.Documents == nil {
		return nil, memory.Errorf(memory.EUnavailable, "document ingestion is not enabled on this server")
	}
	return a.Documents, nil
}

func (a *API) maxUpload() int64 {
	if a.MaxUploadBytes <= 0 {
		return DefaultMaxUploadBytes
	}
	return a.MaxUploadBytes
}

// FormatsResponse answers GET /api/documents/formats.
type FormatsResponse struct {
	Formats      []string `json:"formats"`
	Extensions   []string `json:"extensions"`
	MaxFileBytes int64    `json:"max_file_bytes"`
	MaxPages     int      `json:"max_pages"`
	MaxUpload    int64    `json:"max_upload_bytes"`
	MaxFiles     int      `json:"max_batch_files"`
	ChunkSize    int      `json:"chunk_size"`
	ChunkOverlap int      `json:"chunk_overlap"`
}

func (a *API) documentFormats(*http.Request) (*FormatsResponse, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	size, overlap := m.Ingester.ChunkSize, m.Ingester.ChunkOverlap
	if size == 0 {
		size = ingest.DefaultChunkSize
	}
	if overlap == 0 {
		overlap = ingest.DefaultChunkOverlap
	}
	return &FormatsResponse{Formats: document.Formats(), Extensions: document.Extensions(), MaxFileBytes: m.Ingester.MaxFileBytes(),
		MaxPages: m.Ingester.MaxPages(), MaxUpload: a.maxUpload(), MaxFiles: MaxBatchFiles, ChunkSize: size, ChunkOverlap: overlap}, nil
}

// UploadAccepted answers the upload routes.
type UploadAccepted struct {
	UploadID string         `json:"upload_id"`
	Status   string         `json:"status"`
	Message  string         `json:"message"`
	Upload   *ingest.Upload `json:"upload"`
}

func (a *API) uploadOne(w http.ResponseWriter, r *http.Request) error {
	return a.upload(w, r, false)
}

func (a *API) uploadBatch(w http.ResponseWriter, r *http.Request) error {
	return a.upload(w, r, true)
}

// upload reads a multipart upload completely, then queues it: a bad field
// or file refuses the whole request and stores nothing.
func (a *API) upload(w http.ResponseWriter, r *http.Request, batch bool) error {
	m, err := a.documents()
	if err != nil {
		return err
	}
	files, o, err := a.readUpload(w, r, m, batch)
	if err != nil {
		return err
	}
	u, err := m.Submit(r.Context(), files, o, batch)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("%s queued for processing", u.Filename)
	if batch {
		msg = fmt.Sprintf("%d files queued for processing", len(u.Files))
	}
	w.Header().Set("Location", "/api/documents/status/"+u.ID)
	httperror.WriteJSON(w, http.StatusAccepted, UploadAccepted{UploadID: u.ID, Status: u.Status, Message: msg, Upload: u})
	return nil
}

// readUpload parses the multipart body: the file parts and the option
// fields, each checked.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request, m *ingest.Manager, batch bool) ([]ingest.File, ingest.Options, error) {
	var o ingest.Options
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, o, httperror.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the document as multipart/form-data")
	}
	limit := a.maxUpload()
	if r.ContentLength > limit {
		return nil, o, tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, o, memory.Errorf(memory.EInvalid, "malformed multipart body: %v", err)
	}
	fileField := "file"
	if batch {
		fileField = "files"
	}
	maxFile := m.Ingester.MaxFileBytes()
	var files []ingest.File
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, o, multipartError(err)
		}
		name := part.FormName()
		switch {
		case part.FileName() != "" && (name == fileField || name == "file" || name == "files"):
			if len(files) >= MaxBatchFiles || (!batch && len(files) == 1) {
				return nil, o, memory.Errorf(memory.EInvalid, "too many files: send %s", map[bool]string{true: fmt.Sprintf("at most %d", MaxBatchFiles), false: "one (use /api/documents/batch-upload for several)"}[batch])
			}
			data, err := io.ReadAll(io.LimitReader(part, maxFile+1))
			if err != nil {
				return nil, o, multipartError(err)
			}
			if int64(len(data)) > maxFile {
				return nil, o, memory.Errorf(memory.ETooLarge, "%s is over the %d-byte limit per file", part.FileName(), maxFile)
			}
			files = append(files, ingest.File{Name: part.FileName(), Data: data})
		case name == "tags" || name == "chunk_size" || name == "chunk_overlap" || name == "memory_type":
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return nil, o, multipartError(err)
			}
			if err := setUploadOption(&o, name, strings.TrimSpace(string(v))); err != nil {
				return nil, o, err
			}
		default:
			io.Copy(io.Discard, part) // unknown fields are ignored, as upstream does
		}
	}
	if len(files) == 0 {
		return nil, o, memory.Errorf(memory.EInvalid, "no file in the request: send it in the multipart field %q", fileField)
	}
	return files, o, nil
}

func multipartError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return tooLarge(maxErr.Limit)
	}
	return memory.Errorf(memory.EInvalid, "malformed multipart body: %v", err)
}

// setUploadOption applies one form field.
func setUploadOption(o *ingest.Options, name, v string) error {
	if v == "" {
		return nil
	}
	switch name {
	case "tags":
		o.Tags = uploadTags(v)
	case "memory_type":
		o.MemoryType = v
	default:
		n, err := strconv.Atoi(v)
		if err != nil {
			return memory.Errorf(memory.EInvalid, "%s must be an integer, got %q", name, memory.Clip(v, 20))
		}
		if name == "chunk_size" {
			o.ChunkSize = n
		} else if n == 0 {
			o.ChunkOverlap = -1 // an explicit zero: no overlap
		} else {
			o.ChunkOverlap = n
		}
	}
	return nil
}

// uploadTags splits upstream's tag field: commas or spaces, file:// URLs
// reduced to the file name.
func uploadTags(v string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		if rest, ok := strings.CutPrefix(t, "file://"); ok {
			t = rest[strings.LastIndex(rest, "/")+1:]
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (a *API) uploadStatus(r *http.Request) (*ingest.Upload, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	return m.Get(r.Context(), paramsOf(r).str("upload_id"))
}

// HistoryResponse answers GET /api/documents/history.
type HistoryResponse struct {
	Uploads []*ingest.Upload `json:"uploads"`
	Total   int              `json:"total"`
}

func (a *API) uploadHistory(r *http.Request) (*HistoryResponse, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	us, err := m.List(r.Context(), paramsOf(r).int("limit"))
	if err != nil {
		return nil, err
	}
	return &HistoryResponse{Uploads: us, Total: len(us)}, nil
}

// RemoveUploadResponse answers DELETE /api/documents/remove/{upload_id}.
type RemoveUploadResponse struct {
	Status          string `json:"status"`
	UploadID        string `json:"upload_id"`
	Filename        string `json:"filename"`
	MemoriesDeleted int    `json:"memories_deleted"`
	Message         string `json:"message"`
}

func (a *API) removeUpload(r *http.Request) (*RemoveUploadResponse, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	p := paramsOf(r)
	withMemories := p.bool("remove_from_memory")
	u, n, err := m.Remove(r.Context(), p.str("upload_id"), withMemories)
	if err != nil {
		return nil, err
	}
	return &RemoveUploadResponse{Status: "success", UploadID: u.ID, Filename: u.Filename, MemoriesDeleted: n,
		Message: fmt.Sprintf("removed %s and %d memories", u.Filename, n)}, nil
}

// RemoveByTagsResponse answers DELETE /api/documents/remove-by-tags.
type RemoveByTagsResponse struct {
	Status          string   `json:"status"`
	Tags            []string `json:"tags"`
	MemoriesDeleted int      `json:"memories_deleted"`
	AffectedUploads []string `json:"affected_uploads"`
	Message         string   `json:"message"`
}

func (a *API) removeByTags(r *http.Request) (*RemoveByTagsResponse, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	var tags []string
	for _, v := range r.URL.Query()["tags"] {
		tags = append(tags, memory.SplitTagList(v)...)
	}
	n, uploads, err := m.RemoveByTags(r.Context(), tags)
	if err != nil {
		return nil, err
	}
	if uploads == nil {
		uploads = []string{}
	}
	return &RemoveByTagsResponse{Status: "success", Tags: tags, MemoriesDeleted: n, AffectedUploads: uploads,
		Message: fmt.Sprintf("deleted %d memories", n)}, nil
}

// ChunkResponse is one chunk of an upload.
type ChunkResponse struct {
	ContentHash string         `json:"content_hash"`
	Content     string         `json:"content"`
	Tags        []string       `json:"tags"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   float64        `json:"created_at"`
	ChunkIndex  any            `json:"chunk_index"`
	Page        any            `json:"page"`
}

// ContentResponse answers GET /api/documents/search-content/{upload_id}.
type ContentResponse struct {
	Status     string          `json:"status"`
	UploadID   string          `json:"upload_id"`
	Filename   string          `json:"filename"`
	TotalFound int             `json:"total_found"`
	Memories   []ChunkResponse `json:"memories"`
}

func (a *API) uploadContent(r *http.Request) (*ContentResponse, error) {
	m, err := a.documents()
	if err != nil {
		return nil, err
	}
	p := paramsOf(r)
	id := p.str("upload_id")
	u, err := m.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	chunks, err := m.Chunks(r.Context(), id, p.int("limit"))
	if err != nil {
		return nil, err
	}
	out := &ContentResponse{Status: "success", UploadID: id, Filename: u.Filename, TotalFound: len(chunks), Memories: []ChunkResponse{}}
	for _, c := range chunks {
		out.Memories = append(out.Memories, ChunkResponse{ContentHash: c.Hash, Content: c.Content, Tags: c.Tags, Metadata: c.Metadata,
			CreatedAt: epoch(c.CreatedAt), ChunkIndex: c.Metadata["chunk_index"], Page: c.Metadata["page"]})
	}
	return out, nil
}
