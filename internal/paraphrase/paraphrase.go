// Package paraphrase holds the paraphrase test set: memories and queries
// that ask for them in other words. embed/glove ranks them by cosine alone,
// the root package through hybrid search and re-ranking. The pairs were
// written before the test was first run and have not been changed since.
package paraphrase

// Memories are plain statements a user might store.
var Memories = []string{
	"Alice's birthday is on March 3rd.",                                    // 0
	"I'm allergic to peanuts and carry an EpiPen.",                         // 1
	"We chose PostgreSQL as the database for the billing service.",         // 2
	"My flight to Tokyo leaves on Friday morning.",                         // 3
	"Bob prefers tea over coffee.",                                         // 4
	"The quarterly budget review happens on the last Monday of the month.", // 5
	"My daughter Emma plays the violin in the school orchestra.",           // 6
	"I take blood pressure medication every morning.",                      // 7
	"Our dog Max is afraid of thunderstorms.",                              // 8
	"The staging server runs on Ubuntu in Frankfurt.",                      // 9
	"Sarah is vegetarian and doesn't eat fish either.",                     // 10
	"I want to run a marathon next year.",                                  // 11
	"The rent is due on the first of every month.",                         // 12
	"My brother lives in Seattle and works as an architect.",               // 13
	"We decided to rewrite the frontend in TypeScript.",                    // 14
	"I'm learning Italian for our honeymoon.",                              // 15
	"The car insurance renews in September.",                               // 16
	"Grandma's recipe for apple pie uses cinnamon and nutmeg.",             // 17
	"John broke his leg skiing last winter.",                               // 18
	"The team standup is at 9:30 every weekday.",                           // 19
	"I prefer dark mode in every editor.",                                  // 20
	"My favourite band is Radiohead.",                                      // 21
	"We booked a cabin by the lake for the summer holiday.",                // 22
	"The API keys are rotated every ninety days.",                          // 23
	"Mia is starting kindergarten in the fall.",                            // 24
	"I stopped drinking alcohol in January.",                               // 25
	"The kitchen faucet leaks and needs a plumber.",                        // 26
	"Our wedding anniversary is in October.",                               // 27
}

// Queries share no content word (nor a 5-letter stem) with their target
// memory, Memories[Target]; embed/glove's
// TestParaphrasePairsShareNoContentWord checks that.
var Queries = []struct {
	Q      string
	Target int
}{
	{"when does my friend celebrate getting older", 0},
	{"what food gives me a dangerous reaction", 1},
	{"what storage engine keeps our invoicing records", 2},
	{"when am I travelling to Japan", 3},
	{"which drink does my colleague pick", 4},
	{"when do we go over the finances", 5},
	{"what instrument does my kid practise", 6},
	{"what pills do I swallow daily for my heart", 7},
	{"is our puppy nervous in bad weather", 8},
	{"where is the test environment hosted", 9},
	{"what should I cook for a friend who avoids meat", 10},
	{"what race am I training for", 11},
	{"when should the landlord get paid", 12},
	{"what job does my sibling have", 13},
	{"which language are we moving the user interface to", 14},
	{"what am I studying before the wedding trip", 15},
	{"when must the vehicle coverage be extended", 16},
	{"which spices go in the family dessert", 17},
	{"who got injured on the slopes", 18},
	{"when is our daily sync", 19},
	{"which colour scheme do I like for coding", 20},
	{"what music do I listen to most", 21},
	{"where are we staying during the vacation", 22},
	{"how often do we change the access credentials", 23},
	{"when does the little one begin school", 24},
	{"when did I give up booze", 25},
	{"what is dripping that requires a repair", 26},
	{"when did we get married", 27},
}
