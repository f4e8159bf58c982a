// Command cfemu runs the Cloudflare emulator (cloudflare/cfemu) on
// loopback for the dashboard's browser suite: one D1 database, one
// Vectorize index of -dims dimensions (100, the built-in embedder's, for
// the hybrid backend; 768 for the cloudflare backend, whose default
// model makes 768) and one R2 bucket. It prints the CLOUDFLARE_* settings
// that reach it, one KEY=value a line, then serves until it is signalled.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcp-memory-go/memory/cloudflare"
	"github.com/mcp-memory-go/memory/cloudflare/cfemu"
)

func main() {
	dims := flag.Int("dims", 100, "dimensions of the Vectorize index")
	flag.Parse()
	emu := cfemu.New(cfemu.Options{})
	defer emu.Close()
	if err := emu.AddD1(cfemu.TestDatabase); err != nil {
		fmt.Fprintln(os.Stderr, "cfemu:", err)
		os.Exit(1)
	}
	emu.AddIndex(cfemu.TestIndex, *dims, "cosine")
	emu.AddBucket(cfemu.TestBucket)
	for _, kv := range [][2]string{
		{"CLOUDFLARE_API_TOKEN", emu.Token()}, {"CLOUDFLARE_ACCOUNT_ID", emu.Account()},
		{"CLOUDFLARE_D1_DATABASE_ID", cfemu.TestDatabase}, {"CLOUDFLARE_VECTORIZE_INDEX", cfemu.TestIndex},
		{"CLOUDFLARE_R2_BUCKET", cfemu.TestBucket}, {"CLOUDFLARE_EMBEDDING_MODEL", cloudflare.DefaultEmbeddingModel},
		{"CLOUDFLARE_API_BASE_URL", emu.URL},
	} {
		fmt.Printf("%s=%s\n", kv[0], kv[1])
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
}
