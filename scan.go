package memory

import "context"

// Scan calls fn with every live memory of the caller (superseded versions
// included), oldest first, in pages, until fn returns false. It is the
// basis of analytics and exports; memories carry no vectors.
func (s *Service) Scan(ctx context.Context, fn func(*Memory) bool) error {
	return s.scan(ctx, Filter{Owner: OwnerFrom(ctx), IncludeSuperseded: true}, fn)
}

// scan is Scan over the memories matching f.
func (s *Service) scan(ctx context.Context, f Filter, fn func(*Memory) bool) error {
	const page = 1000
	for off := 0; ; off += page {
		ms, _, err := s.Storage.Find(ctx, f, Page{Offset: off, Limit: page, Order: OldestFirst})
		if err != nil {
			return err
		}
		for _, m := range ms {
			m.Embedding = nil
			if !fn(m) {
				return nil
			}
		}
		if len(ms) < page {
			return nil
		}
	}
}
