package nmt

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/translated/translated/"

// documentedImports reads the block of docs/architecture.md fenced as
// ```imports: one package a line, bottom layer first, then the packages
// of the project it imports ("—" for none).
func documentedImports(t *testing.T) (order []string, imports map[string][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	imports = map[string][]string{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```imports":
			in = true
		case in && line == "```":
			return order, imports
		case in && line != "":
			fields := strings.Fields(line)
			if _, dup := imports[fields[0]]; dup {
				t.Fatalf("architecture.md lists %s twice", fields[0])
			}
			order = append(order, fields[0])
			imports[fields[0]] = slices.DeleteFunc(fields[1:], func(s string) bool { return s == "—" })
		}
	}
	t.Fatal("docs/architecture.md has no ```imports block")
	return nil, nil
}

// actualImports parses the imports of every non-test Go file (whatever
// its build tags) under the repository's dirs: the packages of the
// project each package imports, and every import path.
func actualImports(t *testing.T, dirs ...string) (project, all map[string][]string) {
	t.Helper()
	project, all = map[string][]string{}, map[string][]string{}
	root := ".."
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				if err == nil && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return err
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkg := filepath.ToSlash(rel)
			if _, ok := project[pkg]; !ok {
				project[pkg] = nil
			}
			for _, spec := range file.Imports {
				p, _ := strconv.Unquote(spec.Path.Value)
				all[pkg] = append(all[pkg], p)
				if own, ok := strings.CutPrefix(p, module); ok && !slices.Contains(project[pkg], own) {
					project[pkg] = append(project[pkg], own)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return project, all
}

// TestImportsAsDocumented: the packages under nmt/ and tokenize/ import
// exactly the packages of the project that docs/architecture.md says, every
// one of them listed below the package that imports it (so dependencies
// point one way), and none imports a command, the API or gRPC.
func TestImportsAsDocumented(t *testing.T) {
	order, doc := documentedImports(t)
	project, all := actualImports(t, "nmt", "tokenize")
	for pkg, got := range project {
		want, ok := doc[pkg]
		if !ok {
			t.Errorf("%s is not in the imports block of docs/architecture.md (it imports %v)", pkg, got)
			continue
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("%s imports %v; docs/architecture.md says %v", pkg, got, want)
		}
	}
	for i, pkg := range order {
		if _, ok := project[pkg]; !ok {
			t.Errorf("docs/architecture.md lists %s, which holds no Go file", pkg)
		}
		for _, dep := range doc[pkg] {
			if !slices.Contains(order[:i], dep) {
				t.Errorf("docs/architecture.md: %s imports %s, which is not listed above it", pkg, dep)
			}
		}
	}
	for pkg, paths := range all {
		for _, p := range paths {
			if strings.HasPrefix(p, module+"cmd/") || strings.HasPrefix(p, module+"proto/") || strings.HasPrefix(p, "google.golang.org/grpc") {
				t.Errorf("%s imports %s", pkg, p)
			}
		}
	}
	// The decoder satisfies search's interfaces structurally (model.Dims).
	if slices.Contains(project["nmt/model"], "nmt/search") {
		t.Error("nmt/model imports nmt/search")
	}
}
