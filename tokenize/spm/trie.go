package spm

import (
	"sort"
)

// trie is a byte trie over a set of keys, each carrying a value (a piece
// id). Node 0 is the root; the children of node i are
// labels/child[first[i]:first[i+1]], sorted by label.
type trie struct {
	first  []int32
	labels []byte
	child  []int32
	value  []int32 // -1: no key ends here
}

type trieKey struct {
	key   string
	value int32
}

// newTrie builds the trie of keys, which must be distinct and non-empty.
// Nodes are laid out breadth first: the keys below a node form a contiguous
// run of the sorted key list, split by the byte at the node's depth.
func newTrie(keys []trieKey) *trie {
	sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })
	t := &trie{}
	type node struct{ lo, hi, depth int }
	queue := []node{{0, len(keys), 0}}
	for q := 0; q < len(queue); q++ {
		nd := queue[q]
		t.first = append(t.first, int32(len(t.labels)))
		lo := nd.lo
		val := int32(-1)
		if lo < nd.hi && len(keys[lo].key) == nd.depth {
			val = keys[lo].value // the key equal to this node's prefix sorts first
			lo++
		}
		t.value = append(t.value, val)
		for lo < nd.hi {
			b := keys[lo].key[nd.depth]
			hi := lo + 1
			for hi < nd.hi && keys[hi].key[nd.depth] == b {
				hi++
			}
			t.labels = append(t.labels, b)
			t.child = append(t.child, int32(len(queue)))
			queue = append(queue, node{lo, hi, nd.depth + 1})
			lo = hi
		}
	}
	t.first = append(t.first, int32(len(t.labels)))
	return t
}

// next returns the child of node labelled b, or -1.
func (t *trie) next(node int32, b byte) int32 {
	lo, hi := int(t.first[node]), int(t.first[node+1])
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch l := t.labels[mid]; {
		case l == b:
			return t.child[mid]
		case l < b:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return -1
}

// longestPrefix returns the length of the longest key that is a prefix of
// s, 0 when none is.
func (t *trie) longestPrefix(s string) int {
	best := 0
	node := int32(0)
	for i := 0; i < len(s); i++ {
		if node = t.next(node, s[i]); node < 0 {
			break
		}
		if t.value[node] >= 0 {
			best = i + 1
		}
	}
	return best
}
