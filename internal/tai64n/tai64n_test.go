// SPDX-License-Identifier: BSD-2-Clause

package tai64n

import (
	"encoding/hex"
	"testing"
	"time"
)

func TestStampEpoch(t *testing.T) {
	got := Stamp(time.Unix(0, 0))
	const want = "400000000000000a" + "00000000"
	if h := hex.EncodeToString(got[:]); h != want {
		t.Fatalf("Stamp(epoch) = %s, want %s", h, want)
	}
}

func TestStampKnownValue(t *testing.T) {
	// 2021-01-01T00:00:00Z is Unix 1609459200 = 0x5fee6600; 0x12345678 ns
	// whitened keeps only 0x12000000.
	got := Stamp(time.Unix(1609459200, 0x12345678))
	const want = "400000005fee660a" + "12000000"
	if h := hex.EncodeToString(got[:]); h != want {
		t.Fatalf("Stamp = %s, want %s", h, want)
	}
}

func TestWhitening(t *testing.T) {
	sec := time.Unix(1700000000, 0)
	cases := []struct {
		ns   int
		want uint32
	}{
		{0, 0},
		{1<<24 - 1, 0},
		{1 << 24, 1 << 24},
		{1<<24 + 1, 1 << 24},
		{999999999, 999999999 &^ (1<<24 - 1)},
	}
	for _, c := range cases {
		ts := Stamp(sec.Add(time.Duration(c.ns)))
		got := uint32(ts[8])<<24 | uint32(ts[9])<<16 | uint32(ts[10])<<8 | uint32(ts[11])
		if got != c.want {
			t.Errorf("ns %d: encoded %d, want %d", c.ns, got, c.want)
		}
	}
}

func TestAfter(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	a := Stamp(t0)
	cases := []struct {
		name string
		b    Timestamp
		want bool // whether b is after a
	}{
		{"equal", Stamp(t0), false},
		{"within whitening", Stamp(t0.Add(10 * time.Millisecond)), false},
		{"next nanosecond step", Stamp(t0.Add(1 << 24)), true},
		{"next second", Stamp(t0.Add(time.Second)), true},
		{"earlier", Stamp(t0.Add(-time.Second)), false},
		{"zero", Timestamp{}, false},
	}
	for _, c := range cases {
		if got := c.b.After(a); got != c.want {
			t.Errorf("%s: After = %v, want %v", c.name, got, c.want)
		}
	}
	if a.After(a) {
		t.Error("a timestamp is after itself")
	}
	if !a.After(Timestamp{}) {
		t.Error("a real timestamp is not after the zero value")
	}
}

func TestAfterSecondsDominate(t *testing.T) {
	early := Stamp(time.Unix(1700000000, 999000000))
	late := Stamp(time.Unix(1700000001, 0))
	if !late.After(early) || early.After(late) {
		t.Fatal("seconds do not dominate nanoseconds in ordering")
	}
}

func TestTimeRoundTrip(t *testing.T) {
	in := time.Date(2026, 3, 4, 5, 6, 7, 3<<24+5, time.UTC)
	got := Stamp(in).Time()
	want := time.Date(2026, 3, 4, 5, 6, 7, 3<<24, time.UTC)
	if !got.Equal(want) {
		t.Fatalf("Time() = %v, want %v", got, want)
	}
}
