package cfemu

// Vectorize metadata filters: parsing with the documented rules and
// matching against the indexed metadata of a vector.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// vzCond is one condition of a filter.
type vzCond struct {
	key, op string
	val     any   // $eq $ne and the ranges
	vals    []any // $in $nin
}

// vzFilter is a parsed filter: every condition must hold.
type vzFilter []vzCond

// parseFilter reads a query's filter. The documented rules: a non-empty
// object whose compact JSON is under 2 KiB; keys neither empty, nor longer
// than 512 characters, nor starting with $, nor holding a double quote;
// values of string, number, boolean or null, or an object of operators
// $eq $ne $in $nin $lt $lte $gt $gte, with at most one lower and one upper
// bound. A property without a metadata index cannot be filtered on (the
// error code is the emulator's choice).
func parseFilter(raw json.RawMessage, ix *index) (vzFilter, *apiError) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, errorf(http.StatusBadRequest, 40026, "filter is not JSON: %v", err)
	}
	if compact.Len() >= vzMaxFilter {
		return nil, errorf(http.StatusBadRequest, 40026, "filter is %d bytes of JSON; it must be under %d", compact.Len(), vzMaxFilter)
	}
	var obj map[string]any
	dec := json.NewDecoder(&compact)
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || len(obj) == 0 {
		return nil, errorf(http.StatusBadRequest, 40026, "filter must be a non-empty object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var f vzFilter
	for _, k := range keys {
		if k == "" || len(k) > 512 || strings.HasPrefix(k, "$") || strings.Contains(k, `"`) {
			return nil, errorf(http.StatusBadRequest, 40026, "filter key %q is not allowed", k)
		}
		typ, ok := ix.metaIdx[k]
		if !ok {
			return nil, errorf(http.StatusBadRequest, 40027, "filter on %q, which has no metadata index", k)
		}
		ops, isObj := obj[k].(map[string]any)
		if !isObj {
			v, e := filterValue(obj[k], typ)
			if e != nil {
				return nil, e
			}
			f = append(f, vzCond{key: k, op: "$eq", val: v})
			continue
		}
		lower, upper := 0, 0
		for op, v := range ops {
			c := vzCond{key: k, op: op}
			switch op {
			case "$eq", "$ne", "$lt", "$lte", "$gt", "$gte":
				val, e := filterValue(v, typ)
				if e != nil {
					return nil, e
				}
				c.val = val
				switch op {
				case "$gt", "$gte":
					lower++
				case "$lt", "$lte":
					upper++
				}
			case "$in", "$nin":
				arr, ok := v.([]any)
				if !ok {
					return nil, errorf(http.StatusBadRequest, 40026, "%s on %q needs an array", op, k)
				}
				for _, x := range arr {
					val, e := filterValue(x, typ)
					if e != nil {
						return nil, e
					}
					c.vals = append(c.vals, val)
				}
			default:
				return nil, errorf(http.StatusBadRequest, 40026, "unknown filter operator %q", op)
			}
			f = append(f, c)
		}
		if lower > 1 || upper > 1 || ((lower > 0 || upper > 0) && len(ops) != lower+upper) {
			return nil, errorf(http.StatusBadRequest, 40026, "filter on %q: a range takes at most one lower and one upper bound and nothing else", k)
		}
	}
	return f, nil
}

// filterValue normalises a filter value: numbers as float64, strings cut
// as the index cuts them.
func filterValue(v any, typ string) (any, *apiError) {
	switch x := v.(type) {
	case nil, bool:
		return x, nil
	case string:
		if typ == "string" {
			return truncate(x, vzIndexedString), nil
		}
		return x, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, errorf(http.StatusBadRequest, 40026, "bad number %s", x)
		}
		return f, nil
	}
	return nil, errorf(http.StatusBadRequest, 40026, "filter values must be strings, numbers, booleans or null")
}

// matches reports whether indexed metadata passes every condition. A
// missing property passes only $ne and $nin.
func (f vzFilter) matches(indexed map[string]any) bool {
	for _, c := range f {
		v, ok := indexed[c.key]
		if n, isNum := v.(json.Number); isNum {
			v, _ = n.Float64()
		}
		switch c.op {
		case "$eq":
			if !ok || !equal(v, c.val) {
				return false
			}
		case "$ne":
			if ok && equal(v, c.val) {
				return false
			}
		case "$in", "$nin":
			in := false
			for _, x := range c.vals {
				if ok && equal(v, x) {
					in = true
					break
				}
			}
			if in != (c.op == "$in") {
				return false
			}
		default:
			cmp, comparable := compare(v, c.val)
			if !ok || !comparable {
				return false
			}
			switch c.op {
			case "$lt":
				ok = cmp < 0
			case "$lte":
				ok = cmp <= 0
			case "$gt":
				ok = cmp > 0
			case "$gte":
				ok = cmp >= 0
			}
			if !ok {
				return false
			}
		}
	}
	return true
}

func equal(a, b any) bool {
	c, ok := compare(a, b)
	return ok && c == 0 || a == nil && b == nil
}

// compare orders two numbers, strings or booleans of the same kind.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		switch {
		case !ok:
			return 0, false
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	case bool:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if x == y {
			return 0, true
		}
		return 1, true
	}
	return 0, false
}
