package main

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// manPage is the manual of the command, man/vmgenid.8 (mdoc).
const manPage = "../../man/vmgenid.8"

// flagDefiners are the flag.FlagSet methods that define a flag, with the
// index of the name argument.
var flagDefiners = map[string]int{
	"Bool": 0, "BoolVar": 1, "BoolFunc": 0, "Duration": 0, "DurationVar": 1,
	"Float64": 0, "Float64Var": 1, "Func": 0, "Int": 0, "IntVar": 1, "Int64": 0,
	"Int64Var": 1, "String": 0, "StringVar": 1, "TextVar": 1, "Uint": 0,
	"UintVar": 1, "Uint64": 0, "Uint64Var": 1, "Var": 1,
}

// cliSources are the programs vmgenid(8) documents: vmgenid, and
// vmgenid-host, which "vmgenid host" runs.
var cliSources = []string{".", "../vmgenid-host"}

// definedFlags returns the name of every flag the CLI's source defines, in
// any command or subcommand (also those built inside a command's run, like
// the host subcommands'), by reading the calls of flagDefiners with a
// literal name.
func definedFlags(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	var files []string
	for _, dir := range cliSources {
		fs, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(fs) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		files = append(files, fs...)
	}
	seen := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			i, ok := flagDefiners[sel.Sel.Name]
			if !ok || len(call.Args) < i+2 {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil {
				seen[s] = true
			}
			return true
		})
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Every flag the CLI defines, and every command, is documented in
// vmgenid(8): the page cannot fall behind the code.
func TestManPageCoversCLI(t *testing.T) {
	b, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	flags := definedFlags(t)
	// The registered commands' flag sets, as the CLI builds them, must be
	// among the flags the source scan found (else the scan misses a way
	// of defining flags).
	scanned := map[string]bool{}
	for _, f := range flags {
		scanned[f] = true
	}
	env := &cmdEnv{stderr: os.Stderr}
	for _, c := range commands {
		commandFlagSet(env, c).VisitAll(func(f *flag.Flag) {
			if !scanned[f.Name] {
				t.Errorf("flag -%s of %q not found by the source scan", f.Name, c.name)
			}
		})
	}
	if len(flags) < 10 {
		t.Fatalf("the source scan found only %d flags: %v", len(flags), flags)
	}
	for _, f := range flags {
		// .Fl -name or .Fl name, not followed by more of a flag name.
		re := regexp.MustCompile(`Fl (\\-|-)?` + regexp.QuoteMeta(f) + `([^A-Za-z0-9-]|$)`)
		if !re.MatchString(page) {
			t.Errorf("flag --%s is not documented in %s (as .Fl -%s)", f, manPage, f)
		}
	}
	for name := range commands {
		if !regexp.MustCompile(`Cm ` + regexp.QuoteMeta(name) + `\b`).MatchString(page) {
			t.Errorf("command %q is not documented in %s (as .Cm %s)", name, manPage, name)
		}
	}
}
