// Command translate-cli translates text with a local model directory or a
// translated server, trains models, evaluates them and exports alignments.
//
// Each subcommand lives in its own file and registers itself in init.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes shared by every subcommand.
const (
	exitOK       = 0
	exitFailure  = 1 // the work failed (I/O, decoding, server error)
	exitUsage    = 2 // bad flags or arguments
	exitBadModel = 3 // the model directory is missing or corrupt
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, env *env) int
}

// env is what a subcommand may touch: its streams. Tests substitute buffers.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, env *env) int) {
	if _, dup := commands[name]; dup {
		panic("translate-cli: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	betterBLAS(os.Args[1:], os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}))
}

func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "translate-cli: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return cmd.run(ctx, args[1:], e)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: translate-cli <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'translate-cli <command> -h' for a command's flags.")
}
