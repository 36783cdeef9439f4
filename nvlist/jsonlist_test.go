// SPDX-License-Identifier: BSD-2-Clause

package nvlist

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"unsafe"
)

// The test vectors describe each list in JSON (testdata/vectors/README.md):
//
//	LIST := {"flags": INT, "pairs": [PAIR, ...]}
//	PAIR := {"name": STRING, "type": TYPE, "value": VALUE}
//
// fromJSON builds the described list with the Add methods, which is how
// libnv built the vectors, so that packing it must give the vector's bytes.
// The JSON is decoded once into generic values (numbers as json.Number, so
// that 64-bit values survive), then walked.

// loadJSON reads a vector's JSON file and builds its list.
func loadJSON(t testing.TB, path string) *List {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := fromJSON(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return l
}

func fromJSON(raw []byte) (*List, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return buildJSON(v)
}

func buildJSON(v any) (*List, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("list is %T, not an object", v)
	}
	flags, err := jsonUint(obj["flags"], 8)
	if err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}
	pairs, ok := obj["pairs"].([]any)
	if !ok {
		return nil, fmt.Errorf("pairs is %T, not an array", obj["pairs"])
	}
	l := NewWithFlags(int(flags))
	for _, p := range pairs {
		if err := addJSONPair(l, p); err != nil {
			return nil, err
		}
	}
	return l, l.Err()
}

func jsonUint(v any, bits int) (uint64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%v is not a number", v)
	}
	return strconv.ParseUint(n.String(), 10, bits)
}

func jsonString(p map[string]any) (string, error) {
	if h, ok := p["value_hex"].(string); ok {
		b, err := hex.DecodeString(h)
		return string(b), err
	}
	s, ok := p["value"].(string)
	if !ok {
		return "", fmt.Errorf("string value is %T", p["value"])
	}
	return s, nil
}

func addJSONPair(l *List, v any) error {
	p, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("pair is %T, not an object", v)
	}
	name, _ := p["name"].(string)
	typ, _ := p["type"].(string)
	items, _ := p["value"].([]any)
	var err error
	switch typ {
	case "null":
		l.AddNull(name)
	case "bool":
		b, ok := p["value"].(bool)
		if !ok {
			return fmt.Errorf("pair %q: bool value is %T", name, p["value"])
		}
		l.AddBool(name, b)
	case "number":
		var n uint64
		if n, err = jsonUint(p["value"], 64); err == nil {
			l.AddNumber(name, n)
		}
	case "string":
		var s string
		if s, err = jsonString(p); err == nil {
			l.AddString(name, s)
		}
	case "binary":
		s, _ := p["value"].(string)
		var b []byte
		if b, err = hex.DecodeString(s); err == nil {
			l.AddBinary(name, b)
		}
	case "bool_array":
		err = addJSONBoolArray(l, name, items)
	case "number_array":
		ns := make([]uint64, len(items))
		for i := range items {
			if ns[i], err = jsonUint(items[i], 64); err != nil {
				break
			}
		}
		l.AddNumberArray(name, ns)
	case "string_array":
		ss := make([]string, len(items))
		for i := range items {
			ss[i], _ = items[i].(string)
		}
		l.AddStringArray(name, ss)
	case "nvlist":
		var c *List
		if c, err = buildJSON(p["value"]); err == nil {
			l.AddNVList(name, c)
		}
	case "nvlist_array":
		cs := make([]*List, len(items))
		for i := range items {
			if cs[i], err = buildJSON(items[i]); err != nil {
				break
			}
		}
		l.AddNVListArray(name, cs)
	default:
		err = fmt.Errorf("unknown type %q", typ)
	}
	if err != nil {
		return fmt.Errorf("pair %q: %w", name, err)
	}
	return l.Err()
}

// addJSONBoolArray adds a bool array whose items are true, false or, for
// the raw bytes that libnv does not check, an integer.
func addJSONBoolArray(l *List, name string, items []any) error {
	raw := make([]byte, len(items))
	for i, it := range items {
		switch v := it.(type) {
		case bool:
			if v {
				raw[i] = 1
			}
		case json.Number:
			n, err := jsonUint(v, 8)
			if err != nil {
				return err
			}
			raw[i] = byte(n)
		default:
			return fmt.Errorf("bool array item %v", it)
		}
	}
	if len(raw) == 0 {
		return fmt.Errorf("empty bool array")
	}
	l.insert(pair{name: name, typ: TypeBoolArray, ptr: unsafe.Pointer(&raw[0]), n: uint64(len(raw))})
	return nil
}
