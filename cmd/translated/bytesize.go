package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag's size in bytes, written as a number with an optional
// unit: 2GiB, 512MiB, 64KiB, 4096.
type byteSize int64

var byteUnits = []struct {
	suffix string
	scale  int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}

func (b *byteSize) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	for _, u := range byteUnits {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 0 || n > (1<<62)/u.scale {
			return fmt.Errorf("%q is not a size such as 2GiB, 512MiB, 64KiB or 4096", s)
		}
		*b = byteSize(n * u.scale)
		return nil
	}
	return fmt.Errorf("%q is not a size such as 2GiB, 512MiB, 64KiB or 4096", s)
}

func (b byteSize) MarshalText() ([]byte, error) {
	for _, u := range byteUnits[:3] {
		if b >= byteSize(u.scale) && int64(b)%u.scale == 0 {
			return []byte(fmt.Sprintf("%d%s", int64(b)/u.scale, u.suffix)), nil
		}
	}
	return []byte(strconv.FormatInt(int64(b), 10)), nil
}
