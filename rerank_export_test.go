package memory

// Internals for the external tests.

var (
	QueryEntities = queryEntities
	AsksWhen      = asksWhen
	MainText      = mainText
	MentionsTime  = mentionsTime
)
