package extract

import "sort"

// sortBy sorts keys by the string key(k), stably.
func sortBy(keys []string, key func(string) string) {
	sort.SliceStable(keys, func(i, j int) bool { return key(keys[i]) < key(keys[j]) })
}
