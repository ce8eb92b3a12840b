package main

import "testing"

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2GiB", 2 << 30, true}, {"512MiB", 512 << 20, true}, {"64KiB", 64 << 10, true},
		{"4096", 4096, true}, {"4096B", 4096, true}, {" 1 MiB ", 1 << 20, true},
		{"", 0, false}, {"lots", 0, false}, {"-1MiB", 0, false}, {"1.5GiB", 0, false},
		{"9999999999GiB", 0, false}, {"2GB", 0, false}, {"١٢MiB", 0, false},
	} {
		var b byteSize
		err := b.UnmarshalText([]byte(tc.in))
		if (err == nil) != tc.ok || (tc.ok && int64(b) != tc.want) {
			t.Errorf("%q: %d, %v; want %d, ok %v", tc.in, b, err, tc.want, tc.ok)
		}
	}
	for _, b := range []byteSize{2 << 30, 512 << 20, 64 << 10, 4097, 0} {
		text, _ := b.MarshalText()
		var back byteSize
		if err := back.UnmarshalText(text); err != nil || back != b {
			t.Errorf("%d → %q → %d, %v", b, text, back, err)
		}
	}
}

// FuzzByteSize: any text is a size or an error, never a panic, and a
// size prints back to itself.
func FuzzByteSize(f *testing.F) {
	for _, s := range []string{"2GiB", "4096", "1.5GiB", "-1", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b byteSize
		if b.UnmarshalText([]byte(s)) != nil {
			return
		}
		if b < 0 {
			t.Fatalf("%q: negative size %d", s, b)
		}
		text, _ := b.MarshalText()
		var back byteSize
		if err := back.UnmarshalText(text); err != nil || back != b {
			t.Fatalf("%q: %d → %q → %d, %v", s, b, text, back, err)
		}
	})
}
