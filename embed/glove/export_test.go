package glove

// Variant overrides parts of a table for tests and evaluations.
type Variant struct {
	Name  string    // reported by Model; the table's model id is not checked
	A     float64   // SIF parameter; 0 = the table's
	Ref   []float32 // reference direction; nil = the table's
	Frac  float64   // fraction of the projection removed; 0 = the table's
	NoRef bool      // remove no direction at all
}

// NewFromTable returns an embedder over an arbitrary table, for example a
// variant written by the generator into /tmp.
func NewFromTable(data string, v Variant) *Embedder {
	return &Embedder{
		name:   v.Name,
		source: func() (string, error) { return data, nil },
		opts:   options{a: v.A, ref: v.Ref, refFrac: v.Frac, noRef: v.NoRef},
	}
}

// RawVector returns the weighted sum of text's word vectors, before the
// reference direction is removed and before normalisation.
func RawVector(e *Embedder, text string) ([]float32, error) {
	m, err := e.load()
	if err != nil {
		return nil, err
	}
	out := make([]float32, Dim)
	m.raw(text, out)
	return out, nil
}

// EmbeddedTable is the table compiled into the package.
func EmbeddedTable() string { return tableData }
