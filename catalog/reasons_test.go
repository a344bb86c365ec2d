package catalog

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/akte/akte"
)

// TestReasons keeps three things equal: the reasons the code can produce,
// the list in reasons.go, and each language's catalogue (plus the codes of
// the error kinds, which stand for errors that name no finer reason).
func TestReasons(t *testing.T) {
	produced, problems := scanReasons(t, "..", "cmd/akte", "cmd/akte-wasm", "cmd/akte-export-wasm")
	for _, p := range problems {
		t.Error(p)
	}
	listed := map[string]bool{}
	for _, r := range sent {
		if listed[r] {
			t.Errorf("reasons.go lists %q twice", r)
		}
		listed[r] = true
	}
	known := maps.Clone(listed)
	for k := akte.KindInvalid; k <= akte.KindInternal; k++ {
		known[k.String()] = true
	}
	for r, at := range produced {
		if !known[r] {
			t.Errorf("reason %q (%s) is not listed in catalog/reasons.go", r, strings.Join(at, ", "))
		}
	}
	for r := range listed {
		if produced[r] == nil {
			t.Errorf("catalog/reasons.go lists %q, which no code produces", r)
		}
	}
	for _, r := range webReasons(t) {
		if !known[r] {
			t.Errorf("the web app tests for the reason %q, which nothing sends", r)
		}
	}
	for _, l := range Languages {
		for r := range known {
			if !Has(l, r) {
				t.Errorf("catalog/%s.json has no text for the reason %q", l, r)
			}
		}
		for _, r := range Reasons(l) {
			if !known[r] {
				t.Errorf("catalog/%s.json holds %q, a reason nothing sends", l, r)
			}
		}
	}
}

// webReasons are the reasons the web app's sources compare with.
func webReasons(t *testing.T) []string {
	files, err := filepath.Glob("../web/src/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("web sources: %v", err)
	}
	re := regexp.MustCompile(`\.reason ===? '([a-z0-9_]+)'`)
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// scanReasons finds every reason code the non-test Go code of the
// packages that roots import (within the module at dir, roots included)
// can put into an error, with where. A reason is produced where a value
// reaches the reason argument of akte.R, a Reason field of a composite
// literal, or an assignment to a .Reason field. Such a value must be one
// the scan can follow:
//   - a string literal or a constant;
//   - a parameter of the enclosing function: then the arguments of every
//     call of that function are followed;
//   - a local variable: then every value assigned to it is followed; a
//     value from a call of a function whose result at that place is named
//     "reason" gives the literals that function returns there;
//   - a reason passed on: the .Reason field of an error, akte.ReasonOf,
//     or a kind's code (Kind.String).
//
// Anything else is a problem: the scan could not tell the reason.
func scanReasons(t *testing.T, dir string, roots ...string) (map[string][]string, []string) {
	t.Helper()
	module := modulePath(t, dir)
	s := &scanner{fset: token.NewFileSet(), module: module, pkgs: map[string]*pkg{}, out: map[string][]string{}, seen: map[string]bool{}}
	for _, r := range roots {
		s.load(t, dir, r)
	}
	for _, p := range s.sortedPkgs() {
		for _, f := range p.files {
			s.walkFile(p, f)
		}
	}
	return s.out, s.problems
}

func modulePath(t *testing.T, dir string) string {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod names no module")
	return ""
}

type pkg struct {
	rel    string // directory relative to the module root ("." for the root)
	name   string
	files  []*ast.File
	consts map[string]string // package-level string constants
	funcs  map[string][]*ast.FuncDecl
}

type scanner struct {
	fset     *token.FileSet
	module   string
	pkgs     map[string]*pkg // by rel
	out      map[string][]string
	problems []string
	seen     map[string]bool // followed parameters and reason results
}

// load parses the package in rel and, recursively, the module's packages
// it imports. Build constraints are ignored (the WebAssembly core counts)
// except "ignore".
func (s *scanner) load(t *testing.T, root, rel string) {
	if _, ok := s.pkgs[rel]; ok {
		return
	}
	p := &pkg{rel: rel, consts: map[string]string{}, funcs: map[string][]*ast.FuncDecl{}}
	s.pkgs[rel] = p
	ents, err := os.ReadDir(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(s.fset, filepath.Join(root, rel, n), nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if ignored(f) {
			continue
		}
		p.name = f.Name.Name
		p.files = append(p.files, f)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == s.module {
				imports = append(imports, ".")
			} else if r, ok := strings.CutPrefix(path, s.module+"/"); ok {
				imports = append(imports, r)
			}
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				p.funcs[d.Name.Name] = append(p.funcs[d.Name.Name], d)
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, sp := range d.Specs {
					vs := sp.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if v, ok := stringLit(vs.Values[i]); ok {
								p.consts[n.Name] = v
							}
						}
					}
				}
			}
		}
	}
	for _, imp := range imports {
		s.load(t, root, imp)
	}
}

func ignored(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") && strings.Contains(c.Text, "ignore") {
				return true
			}
		}
	}
	return false
}

func (s *scanner) sortedPkgs() []*pkg {
	var ps []*pkg
	for _, p := range s.pkgs {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *pkg) int { return strings.Compare(a.rel, b.rel) })
	return ps
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}

// akteName is the name under which a file imports the module's root
// package ("" if it does not, "." inside the root package itself).
func (s *scanner) akteName(p *pkg, f *ast.File) string {
	if p.rel == "." {
		return "."
	}
	for _, imp := range f.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == s.module {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return "akte"
		}
	}
	return ""
}

// walkFile finds the reason places of a file.
func (s *scanner) walkFile(p *pkg, f *ast.File) {
	akteName := s.akteName(p, f)
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
			// A package-level error value: a literal reason.
			ast.Inspect(gd, func(n ast.Node) bool {
				if kv, ok := n.(*ast.KeyValueExpr); ok {
					if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Reason" {
						if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							r, _ := strconv.Unquote(lit.Value)
							s.add(r, lit.Pos())
						} else {
							s.problems = append(s.problems, fmt.Sprintf("%s: a package-level reason that is no literal", s.fset.Position(kv.Pos())))
						}
					}
				}
				return true
			})
			continue
		}
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				// An audit event's reason (audit.Event, akte.Event) is
				// data of the protocol, shown as logged, not the reason of
				// an error: no catalogue text.
				if typeName(n.Type) == "Event" {
					return false
				}
			case *ast.CallExpr:
				if isAkteFunc(n.Fun, akteName, "R") && len(n.Args) >= 3 {
					s.follow(p, f, fd, n.Args[2])
				}
				// A text a client renders itself (catalog.Text).
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Text" && len(n.Args) == 3 {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "catalog" {
						s.follow(p, f, fd, n.Args[1])
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Reason" {
					s.follow(p, f, fd, n.Value)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Reason" && len(n.Rhs) == len(n.Lhs) {
						s.follow(p, f, fd, n.Rhs[i])
					}
				}
			}
			return true
		})
	}
}

func isAkteFunc(fun ast.Expr, akteName, name string) bool {
	switch fun := fun.(type) {
	case *ast.Ident:
		return akteName == "." && fun.Name == name
	case *ast.SelectorExpr:
		x, ok := fun.X.(*ast.Ident)
		return ok && akteName != "" && x.Name == akteName && fun.Sel.Name == name
	}
	return false
}

func (s *scanner) add(reason string, at token.Pos) {
	if reason == "" {
		return
	}
	pos := s.fset.Position(at)
	where := filepath.Base(filepath.Dir(pos.Filename)) + "/" + filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
	if !slices.Contains(s.out[reason], where) {
		s.out[reason] = append(s.out[reason], where)
	}
}

func (s *scanner) problem(at token.Pos, format string, args ...any) {
	p := s.fset.Position(at).String() + ": " + fmt.Sprintf(format, args...)
	if !slices.Contains(s.problems, p) {
		s.problems = append(s.problems, p)
	}
}

// follow finds the values e, a reason in function fd, can have.
func (s *scanner) follow(p *pkg, f *ast.File, fd *ast.FuncDecl, e ast.Expr) {
	if v, ok := stringLit(e); ok {
		s.add(v, e.Pos())
		return
	}
	switch e := e.(type) {
	case *ast.ParenExpr:
		s.follow(p, f, fd, e.X)
		return
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "String" && len(e.Args) == 0 {
			return // a kind's code
		}
	case *ast.SelectorExpr:
		if e.Sel.Name == "Reason" {
			return // passed on from another error
		}
		if x, ok := e.X.(*ast.Ident); ok && x.Name == s.akteName(p, f) {
			if v, ok := s.pkgs["."].consts[e.Sel.Name]; ok {
				s.add(v, e.Pos())
				return
			}
		}
	case *ast.Ident:
		if i := paramIndex(fd, e.Name); i >= 0 {
			s.followCalls(p, fd, i)
			return
		}
		if assigned := assignments(fd, e.Name); len(assigned) > 0 {
			for _, a := range assigned {
				s.followValue(p, f, fd, a)
			}
			return
		}
		if v, ok := p.consts[e.Name]; ok {
			s.add(v, e.Pos())
			return
		}
	}
	s.problem(e.Pos(), "cannot tell which reason %s is: use a literal, a constant, a parameter or a variable the scan can follow", exprString(e))
}

// value is one value assigned to a variable: the expression, or the
// index-th result of a call.
type value struct {
	expr  ast.Expr
	index int // result index when expr is a call with several results; -1 otherwise
}

// followValue follows a value assigned to a reason variable.
func (s *scanner) followValue(p *pkg, f *ast.File, fd *ast.FuncDecl, v value) {
	call, ok := v.expr.(*ast.CallExpr)
	if !ok {
		s.follow(p, f, fd, v.expr)
		return
	}
	var name string
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		name = fun.Name
	case *ast.SelectorExpr:
		name = fun.Sel.Name
	}
	switch {
	case name == "ReasonOf":
		return // passed on from another error
	case name == "String" && len(call.Args) == 0:
		return // a kind's code
	}
	idx := max(v.index, 0)
	found := false
	for _, q := range s.sortedPkgs() {
		for _, d := range q.funcs[name] {
			if resultName(d, idx) != "reason" {
				continue
			}
			found = true
			key := q.rel + "." + name + ".result"
			if s.seen[key] {
				continue
			}
			s.seen[key] = true
			ast.Inspect(d.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > idx {
					if lit, ok := stringLit(r.Results[idx]); ok {
						s.add(lit, r.Results[idx].Pos())
					}
				}
				return true
			})
		}
	}
	if !found {
		s.problem(call.Pos(), "cannot tell which reason %s gives: name its result \"reason\" or pass a literal", exprString(call.Fun))
	}
}

// followCalls follows the i-th argument of every call of fd in the
// scanned packages (by name: a method is matched by its name alone).
func (s *scanner) followCalls(p *pkg, fd *ast.FuncDecl, i int) {
	key := p.rel + "." + fd.Name.Name + "." + strconv.Itoa(i)
	if s.seen[key] {
		return
	}
	s.seen[key] = true
	method := fd.Recv != nil
	for _, q := range s.sortedPkgs() {
		if q != p && !ast.IsExported(fd.Name.Name) {
			continue
		}
		for _, f := range q.files {
			for _, d := range f.Decls {
				caller, ok := d.(*ast.FuncDecl)
				if !ok || caller.Body == nil {
					continue
				}
				ast.Inspect(caller.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || len(call.Args) <= i {
						return true
					}
					switch fun := call.Fun.(type) {
					case *ast.Ident:
						if q != p || method || fun.Name != fd.Name.Name {
							return true
						}
					case *ast.SelectorExpr:
						if fun.Sel.Name != fd.Name.Name {
							return true
						}
						if !method {
							// pkg.Func from another package of the module.
							if x, ok := fun.X.(*ast.Ident); !ok || q == p || x.Name != p.name {
								return true
							}
						}
					default:
						return true
					}
					s.follow(q, f, caller, call.Args[i])
					return true
				})
			}
		}
	}
}

func paramIndex(fd *ast.FuncDecl, name string) int {
	i := 0
	for _, fl := range fd.Type.Params.List {
		if len(fl.Names) == 0 {
			i++
			continue
		}
		for _, n := range fl.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

func resultName(fd *ast.FuncDecl, idx int) string {
	if fd.Type.Results == nil {
		return ""
	}
	i := 0
	for _, fl := range fd.Type.Results.List {
		for _, n := range fl.Names {
			if i == idx {
				return n.Name
			}
			i++
		}
		if len(fl.Names) == 0 {
			i++
		}
	}
	return ""
}

// assignments are the values assigned to the local variable name in fd.
func assignments(fd *ast.FuncDecl, name string) []value {
	var out []value
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok || id.Name != name {
					continue
				}
				if len(n.Rhs) == len(n.Lhs) {
					out = append(out, value{n.Rhs[i], -1})
				} else if len(n.Rhs) == 1 {
					out = append(out, value{n.Rhs[0], i})
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Name != name {
					continue
				}
				if len(n.Values) == len(n.Names) {
					out = append(out, value{n.Values[i], -1})
				} else if len(n.Values) == 1 {
					out = append(out, value{n.Values[0], i})
				}
			}
		}
		return true
	})
	return out
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.CallExpr:
		return exprString(e.Fun) + "(…)"
	case *ast.IndexExpr:
		return exprString(e.X) + "[…]"
	}
	return "an expression"
}

// typeName is the name of a composite literal's type (without package).
func typeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	}
	return ""
}
