package main

import (
	"flag"
	"io"
	"strings"
)

// flagSet is a flag.FlagSet that also accepts flags after positional
// arguments (`memory search "query" -limit 5`).
type flagSet struct {
	*flag.FlagSet
	rest []string
}

func newFlagSet(name string, out io.Writer) *flagSet {
	fs := flag.NewFlagSet("memory "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return &flagSet{FlagSet: fs}
}

// Parse parses flags wherever they appear; Args returns the others.
func (f *flagSet) Parse(args []string) error {
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			return err
		}
		args = f.FlagSet.Args()
		if len(args) == 0 {
			return nil
		}
		if args[0] == "--" {
			f.rest = append(f.rest, args[1:]...)
			return nil
		}
		f.rest = append(f.rest, args[0])
		args = args[1:]
	}
}

// Args returns the positional arguments.
func (f *flagSet) Args() []string { return f.rest }

// Text joins the positional arguments with spaces.
func (f *flagSet) Text() string { return strings.Join(f.rest, " ") }
