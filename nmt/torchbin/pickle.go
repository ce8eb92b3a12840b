package torchbin

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The pickle machine below runs only what torch.save writes for a state
// dict. It never calls Python: every GLOBAL must be one of the names in
// allowedGlobals, and REDUCE (a call) only does what that name does for
// a state dict: build an OrderedDict, rebuild a tensor from a storage.

// global is a reference to a Python name, allowed by allowedGlobals.
type global struct{ module, name string }

func (g global) String() string { return g.module + "." + g.name }

// The Python names a state dict may refer to.
var (
	orderedDict        = global{"collections", "OrderedDict"}
	rebuildTensorV2    = global{"torch._utils", "_rebuild_tensor_v2"}
	rebuildTensor      = global{"torch._utils", "_rebuild_tensor"}
	rebuildParam       = global{"torch._utils", "_rebuild_parameter"}
	rebuildParamWithSt = global{"torch._utils", "_rebuild_parameter_with_state"}
)

func allowedGlobal(g global) bool {
	switch g {
	case orderedDict, rebuildTensorV2, rebuildTensor, rebuildParam, rebuildParamWithSt:
		return true
	}
	// Storage classes: torch.FloatStorage, torch.HalfStorage, ...
	return g.module == "torch" && strings.HasSuffix(g.name, "Storage")
}

// Python values as the machine holds them: nil (None), bool, int64,
// float64, string, []byte, tuple, *list, *dict, global, *storage, *tensor,
// and mark (the MARK opcode's stack marker, never visible to a value).
type (
	tuple []any
	list  struct{ items []any }
	dict  struct{ items []pair } // insertion order; a later key wins when read
	pair  struct{ key, value any }
)

// persistentLoader resolves a persistent id (a storage reference).
type persistentLoader func(pid any) (any, error)

// Limits that keep a corrupt file from making the machine allocate without
// bound.
const (
	maxStack = 1 << 20 // values on the stack
	maxMemo  = 1 << 24 // memo index
)

// machine is the state of one unpickling.
type machine struct {
	data    []byte
	pos     int
	stack   []any
	marks   []int // stack heights at each MARK
	memo    map[int]any
	persist persistentLoader
}

// unpickle runs the pickle program data and returns the value it builds.
func unpickle(data []byte, persist persistentLoader) (any, error) {
	m := &machine{data: data, memo: map[int]any{}, persist: persist}
	v, err := m.run()
	if err != nil {
		return nil, fmt.Errorf("pickle at byte %d: %w", m.pos, err)
	}
	return v, nil
}

func (m *machine) run() (any, error) {
	for {
		op, err := m.byte()
		if err != nil {
			return nil, err
		}
		if op == '.' { // STOP
			if len(m.stack) != 1 {
				return nil, fmt.Errorf("STOP with %d values on the stack", len(m.stack))
			}
			return m.stack[0], nil
		}
		if err := m.step(op); err != nil {
			return nil, err
		}
		if len(m.stack) > maxStack {
			return nil, errors.New("stack too deep")
		}
	}
}

// step executes one opcode (all but STOP).
func (m *machine) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		_, err := m.byte()
		return err
	case 0x95: // FRAME: a length hint
		_, err := m.take(8)
		return err
	case '(': // MARK
		m.marks = append(m.marks, len(m.stack))
	case '0': // POP
		_, err := m.pop()
		return err
	case '1': // POP_MARK
		_, err := m.popMark()
		return err
	case '2': // DUP
		v, err := m.top()
		if err != nil {
			return err
		}
		m.push(v)
	case 'N':
		m.push(nil)
	case 0x88:
		m.push(true)
	case 0x89:
		m.push(false)
	case ')':
		m.push(tuple{})
	case ']':
		m.push(&list{})
	case '}':
		m.push(&dict{})
	default:
		return m.stepData(op)
	}
	return nil
}

// stepData executes the opcodes that read numbers, strings and memo
// indices, and those that build containers or call.
func (m *machine) stepData(op byte) error {
	switch op {
	case 'K', 'M', 'J', 0x8a, 0x8b, 'I', 'L', 'G', 'F':
		return m.number(op)
	case 'X', 0x8c, 0x8d, 'T', 'U', 'B', 'C', 0x8e:
		return m.str(op)
	case 'q', 'r', 'p', 0x94, 'h', 'j', 'g':
		return m.memoOp(op)
	case 't', 0x85, 0x86, 0x87, 'l', 'd', 'a', 'e', 's', 'u':
		return m.container(op)
	case 'c': // GLOBAL "module\nname\n"
		mod, err := m.line()
		if err != nil {
			return err
		}
		name, err := m.line()
		if err != nil {
			return err
		}
		return m.pushGlobal(global{mod, name})
	case 0x93: // STACK_GLOBAL
		name, err1 := m.popString()
		mod, err2 := m.popString()
		if err := errors.Join(err1, err2); err != nil {
			return err
		}
		return m.pushGlobal(global{mod, name})
	case 'R': // REDUCE
		args, err := m.pop()
		if err != nil {
			return err
		}
		fn, err := m.pop()
		if err != nil {
			return err
		}
		v, err := call(fn, args)
		if err != nil {
			return err
		}
		m.push(v)
	case 'b': // BUILD: set an object's state
		state, err := m.pop()
		if err != nil {
			return err
		}
		obj, err := m.top()
		if err != nil {
			return err
		}
		return build(obj, state)
	case 'Q': // BINPERSID
		pid, err := m.pop()
		if err != nil {
			return err
		}
		if m.persist == nil {
			return errors.New("persistent id without a loader")
		}
		v, err := m.persist(pid)
		if err != nil {
			return err
		}
		m.push(v)
	default:
		return fmt.Errorf("opcode 0x%02x is not used by torch.save", op)
	}
	return nil
}

func (m *machine) pushGlobal(g global) error {
	if !allowedGlobal(g) {
		return fmt.Errorf("refusing %s: a weights file refers only to torch tensor and storage types and collections.OrderedDict", g)
	}
	m.push(g)
	return nil
}

func (m *machine) number(op byte) error {
	switch op {
	case 'K': // BININT1
		b, err := m.take(1)
		if err != nil {
			return err
		}
		m.push(int64(b[0]))
	case 'M': // BININT2
		b, err := m.take(2)
		if err != nil {
			return err
		}
		m.push(int64(binary.LittleEndian.Uint16(b)))
	case 'J': // BININT
		b, err := m.take(4)
		if err != nil {
			return err
		}
		m.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case 0x8a, 0x8b: // LONG1, LONG4: little-endian two's complement
		n, err := m.length(op == 0x8a)
		if err != nil {
			return err
		}
		b, err := m.take(n)
		if err != nil {
			return err
		}
		v, err := littleInt(b)
		if err != nil {
			return err
		}
		m.push(v)
	case 'I', 'L': // INT, LONG as text ("I01\n" is True)
		s, err := m.line()
		if err != nil {
			return err
		}
		switch s = strings.TrimSuffix(s, "L"); s {
		case "01":
			m.push(true)
		case "00":
			m.push(false)
		default:
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("bad integer %q", s)
			}
			m.push(v)
		}
	case 'G': // BINFLOAT, big-endian
		b, err := m.take(8)
		if err != nil {
			return err
		}
		m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'F':
		s, err := m.line()
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("bad float %q", s)
		}
		m.push(v)
	}
	return nil
}

// littleInt decodes a little-endian two's-complement integer of at most 8
// bytes.
func littleInt(b []byte) (int64, error) {
	if len(b) > 8 {
		return 0, fmt.Errorf("integer of %d bytes is too large", len(b))
	}
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	if n := len(b); n > 0 && n < 8 && b[n-1]&0x80 != 0 {
		u |= ^uint64(0) << (8 * n) // sign-extend
	}
	return int64(u), nil
}

func (m *machine) str(op byte) error {
	var n int
	var err error
	switch op {
	case 0x8c, 'U', 'C': // one-byte length
		n, err = m.length(true)
	case 0x8d, 0x8e: // eight-byte length
		var b []byte
		if b, err = m.take(8); err == nil {
			u := binary.LittleEndian.Uint64(b)
			if u > uint64(len(m.data)) {
				return fmt.Errorf("string of %d bytes runs past the end", u)
			}
			n = int(u)
		}
	default: // 'X', 'T', 'B': four-byte length
		n, err = m.length(false)
	}
	if err != nil {
		return err
	}
	b, err := m.take(n)
	if err != nil {
		return err
	}
	if op == 'B' || op == 'C' || op == 0x8e {
		m.push(append([]byte(nil), b...))
	} else {
		m.push(string(b))
	}
	return nil
}

func (m *machine) memoOp(op byte) error {
	var idx int
	var err error
	switch op {
	case 'q', 'h': // one-byte index
		var b []byte
		if b, err = m.take(1); err == nil {
			idx = int(b[0])
		}
	case 'r', 'j': // four-byte index
		var b []byte
		if b, err = m.take(4); err == nil {
			idx = int(binary.LittleEndian.Uint32(b))
		}
	case 'p', 'g': // text index
		var s string
		if s, err = m.line(); err == nil {
			if idx, err = strconv.Atoi(s); err != nil {
				err = fmt.Errorf("bad memo index %q", s)
			}
		}
	case 0x94: // MEMOIZE: the next free index
		idx = len(m.memo)
	}
	if err != nil {
		return err
	}
	if idx < 0 || idx > maxMemo {
		return fmt.Errorf("memo index %d out of range", idx)
	}
	switch op {
	case 'h', 'j', 'g': // GET
		v, ok := m.memo[idx]
		if !ok {
			return fmt.Errorf("memo index %d was never stored", idx)
		}
		m.push(v)
	default: // PUT
		v, err := m.top()
		if err != nil {
			return err
		}
		m.memo[idx] = v
	}
	return nil
}

func (m *machine) container(op byte) error {
	switch op {
	case 't': // TUPLE from the items above the mark
		items, err := m.popMark()
		if err != nil {
			return err
		}
		m.push(tuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(op-0x85) + 1
		if len(m.stack)-m.floor() < n {
			return errors.New("stack underflow")
		}
		items := append(tuple(nil), m.stack[len(m.stack)-n:]...)
		m.stack = m.stack[:len(m.stack)-n]
		m.push(items)
	case 'l': // LIST
		items, err := m.popMark()
		if err != nil {
			return err
		}
		m.push(&list{items: items})
	case 'd': // DICT
		items, err := m.popMark()
		if err != nil {
			return err
		}
		d := &dict{}
		if err := d.setPairs(items); err != nil {
			return err
		}
		m.push(d)
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		var err error
		if op == 'a' {
			var v any
			v, err = m.pop()
			items = []any{v}
		} else {
			items, err = m.popMark()
		}
		if err != nil {
			return err
		}
		top, err := m.top()
		if err != nil {
			return err
		}
		l, ok := top.(*list)
		if !ok {
			return fmt.Errorf("append to a %s", typeName(top))
		}
		l.items = append(l.items, items...)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		var err error
		if op == 's' {
			if len(m.stack)-m.floor() < 2 {
				return errors.New("stack underflow")
			}
			items = append([]any(nil), m.stack[len(m.stack)-2:]...)
			m.stack = m.stack[:len(m.stack)-2]
		} else {
			items, err = m.popMark()
		}
		if err != nil {
			return err
		}
		top, err := m.top()
		if err != nil {
			return err
		}
		d, ok := top.(*dict)
		if !ok {
			return fmt.Errorf("set items of a %s", typeName(top))
		}
		return d.setPairs(items)
	}
	return nil
}

func (d *dict) setPairs(items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		d.items = append(d.items, pair{items[i], items[i+1]})
	}
	return nil
}

// call is REDUCE: fn(*args) for the few callables a state dict uses.
func call(fn, args any) (any, error) {
	g, ok := fn.(global)
	if !ok {
		return nil, fmt.Errorf("call of a %s", typeName(fn))
	}
	a, ok := args.(tuple)
	if !ok {
		return nil, fmt.Errorf("%s called with a %s, not a tuple", g, typeName(args))
	}
	switch g {
	case orderedDict:
		if len(a) != 0 {
			return nil, fmt.Errorf("%s called with %d arguments", g, len(a))
		}
		return &dict{}, nil
	case rebuildTensorV2, rebuildTensor:
		return rebuildTensorArgs(g, a)
	case rebuildParam, rebuildParamWithSt:
		if len(a) < 1 {
			return nil, fmt.Errorf("%s called without arguments", g)
		}
		if _, ok := a[0].(*tensor); !ok {
			return nil, fmt.Errorf("%s called with a %s", g, typeName(a[0]))
		}
		return a[0], nil
	}
	return nil, fmt.Errorf("%s cannot be called", g)
}

// build is BUILD. A state dict carries its _metadata (version numbers of
// each module) as the OrderedDict's state: it is ignored.
func build(obj, state any) error {
	if _, ok := obj.(*dict); ok {
		return nil
	}
	return fmt.Errorf("cannot set the state of a %s", typeName(obj))
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case tuple:
		return "tuple"
	case *list:
		return "list"
	case *dict:
		return "dict"
	case global:
		return v.String()
	case *storage:
		return "storage"
	case *tensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}

// Stack and input helpers.

func (m *machine) push(v any) { m.stack = append(m.stack, v) }

// floor is the stack height below which the current mark protects values.
func (m *machine) floor() int {
	if len(m.marks) == 0 {
		return 0
	}
	return m.marks[len(m.marks)-1]
}

func (m *machine) pop() (any, error) {
	if len(m.stack) <= m.floor() {
		return nil, errors.New("stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (any, error) {
	if len(m.stack) <= m.floor() {
		return nil, errors.New("stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

func (m *machine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, errors.New("no MARK to pop to")
	}
	k := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]any(nil), m.stack[k:]...)
	m.stack = m.stack[:k]
	return items, nil
}

func (m *machine) popString() (string, error) {
	v, err := m.pop()
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("STACK_GLOBAL needs strings, got a %s", typeName(v))
	}
	return s, nil
}

func (m *machine) byte() (byte, error) {
	b, err := m.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (m *machine) take(n int) ([]byte, error) {
	if n < 0 || n > len(m.data)-m.pos {
		return nil, errors.New("unexpected end of the pickle")
	}
	b := m.data[m.pos : m.pos+n]
	m.pos += n
	return b, nil
}

// length reads a one-byte or four-byte little-endian length.
func (m *machine) length(short bool) (int, error) {
	if short {
		b, err := m.byte()
		return int(b), err
	}
	b, err := m.take(4)
	if err != nil {
		return 0, err
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(m.data)) {
		return 0, fmt.Errorf("length %d runs past the end", n)
	}
	return int(n), nil
}

// line reads up to and without the next "\n".
func (m *machine) line() (string, error) {
	rest := m.data[m.pos:]
	for i, c := range rest {
		if c == '\n' {
			m.pos += i + 1
			return string(rest[:i]), nil
		}
	}
	return "", errors.New("unterminated line")
}
