package document

// readText reads plain text and Markdown (kept as written: headings and
// markup are useful context) as one section.
func readText(b *builder, data []byte, _ Limits) error {
	s, err := decodeText(b.format, data)
	if err != nil {
		return err
	}
	return b.add(s, 0)
}
