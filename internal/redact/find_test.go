package redact

import (
	"errors"
	"strings"
	"testing"
)

func newTest(t testing.TB, custom ...Custom) *Redactor {
	t.Helper()
	r, err := New(custom)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// found is a span as the tables write it: kind and text; offsets are
// checked against the text.
type found struct {
	kind Kind
	text string
}

func TestFind(t *testing.T) {
	t.Parallel()
	r := newTest(t, Custom{Name: "order", Pattern: `\bORD-[0-9]{6}\b`})
	tests := map[string]struct {
		in   string
		want []found
	}{
		// Mobile numbers.
		"mobile alone":                    {"13812345678", []found{{Phone, "13812345678"}}},
		"mobile spaced":                   {"call 138 1234 5678 now", []found{{Phone, "138 1234 5678"}}},
		"mobile dashed":                   {"138-1234-5678", []found{{Phone, "138-1234-5678"}}},
		"mobile +86 dashed":               {"tel +86-138-1234-5678.", []found{{Phone, "+86-138-1234-5678"}}},
		"mobile +86 together":             {"+8613912345678", []found{{Phone, "+8613912345678"}}},
		"mobile 0086":                     {"0086 13812345678", []found{{Phone, "0086 13812345678"}}},
		"mobile (+86)":                    {"(+86) 138 1234 5678", []found{{Phone, "(+86) 138 1234 5678"}}},
		"mobile 3-8":                      {"138 12345678", []found{{Phone, "138 12345678"}}},
		"mobile in Chinese":               {"我的手机号是13812345678谢谢", []found{{Phone, "13812345678"}}},
		"mobile after colon":              {"电话：19912345678，", []found{{Phone, "19912345678"}}},
		"two mobiles":                     {"13812345678 / 15987654321", []found{{Phone, "13812345678"}, {Phone, "15987654321"}}},
		"mobile at sentence end":          {"reach me on 13812345678.", []found{{Phone, "13812345678"}}},
		"mobile after order number":       {"订单2026112801 138 1234 5678", []found{{Phone, "138 1234 5678"}}},
		"not mobile: after 8-digit group": {"ref 20261128 138 1234 5678", nil},
		"mobile then email":               {"13812345678,a@b.cn", []found{{Phone, "13812345678"}, {Email, "a@b.cn"}}},
		"not mobile: 12x prefix":          {"12812345678", nil},
		"not mobile: inside run":          {"2026112813812345678", nil},
		"not mobile: 12 digits":           {"138123456789", nil},
		"not mobile: letter prefix":       {"SF13812345678", nil},
		"not mobile: letter suffix":       {"13812345678abc", nil},
		"not mobile: underscore":          {"user_13812345678", nil},
		"not mobile: decimal":             {"¥13812345678.50", nil},
		"not mobile: after decimal":       {"0.13812345678", nil},
		"not mobile: odd grouping":        {"1381 234 5678", nil},
		"not mobile: 10-digit stamp":      {"ts=1732780800", nil},
		"not mobile: ms stamp":            {"ts=1732780800006", nil},
		"not mobile: dash digits":         {"13812345678-9", nil},
		"not mobile: grouped in a chain":  {"ref 170 0000 1000 6222 0202", nil},
		"not mobile: group follows":       {"138 1234 5678 9", nil},
		"not mobile: tracking number":     {"YT1381234567890", nil},

		// ID cards.
		"id 18":                 {"身份证110101199003071233", []found{{IDCard, "110101199003071233"}}},
		"id X":                  {"ID 11010519491231002X ok", []found{{IDCard, "11010519491231002X"}}},
		"id lowercase x":        {"11010519491231002x", []found{{IDCard, "11010519491231002x"}}},
		"id leap day":           {"440304200002290014", []found{{IDCard, "440304200002290014"}}},
		"id grouped 6-8-4":      {"110101 19900307 1233", []found{{IDCard, "110101 19900307 1233"}}},
		"id grouped 6-4-4-4 X":  {"110105 1949 1231 002X", []found{{IDCard, "110105 1949 1231 002X"}}},
		"id 15":                 {"旧身份证 110101900307123 号", []found{{IDCard, "110101900307123"}}},
		"not id: bad checksum":  {"110101199003071234", nil},
		"not id: bad X":         {"11010119900307123X", nil},
		"not id: Feb 30":        {"110101202302301232", nil},
		"not id: province 99":   {"990101199003071233", nil},
		"not id: 15 bad month":  {"110101901307123", nil},
		"not id: 19 digits":     {"1101011990030712331", nil},
		"not id: in longer run": {"9110101199003071233", nil},
		"not id: id then X0":    {"11010519491231002X0", nil},

		// Bank cards.
		"card UnionPay":            {"卡号6222020200001235", []found{{BankCard, "6222020200001235"}}},
		"card grouped":             {"6222 0202 0000 1235", []found{{BankCard, "6222 0202 0000 1235"}}},
		"card dashed":              {"4111-1111-1111-1111", []found{{BankCard, "4111-1111-1111-1111"}}},
		"card Amex 4-6-5":          {"3782 822463 10005", []found{{BankCard, "3782 822463 10005"}}},
		"card 19 digits":           {"6228480012345678903", []found{{BankCard, "6228480012345678903"}}},
		"card 18 digits":           {"622848001234567894 x", []found{{BankCard, "622848001234567894"}}},
		"card 4-4-4-4-2":           {"6228 4800 1234 5678 94", []found{{BankCard, "6228 4800 1234 5678 94"}}},
		"card Mastercard":          {"5555555555554444", []found{{BankCard, "5555555555554444"}}},
		"card JCB":                 {"3566002020360505", []found{{BankCard, "3566002020360505"}}},
		"card then phone":          {"6222020200001235 13812345678", []found{{BankCard, "6222020200001235"}, {Phone, "13812345678"}}},
		"not card: Luhn":           {"6222020200001234", nil},
		"not card: Luhn grouped":   {"4111 1111 1111 1112", nil},
		"not card: order number":   {"订单号20261128123456783", nil},
		"not card: order 17":       {"order 20261128123456789", nil},
		"not card: ms timestamp":   {"1732780800006", nil},
		"not card: inside 20+":     {"id 62220202000012350000", nil},
		"not card: mid chain":      {"ref 1234 6222 0202 0000 1235", nil},
		"not card: chain goes on":  {"6222 0202 0000 1235 8", nil},
		"not card: word":           {"tx6222020200001235", nil},
		"not card: 12 digits":      {"622202020006", nil},
		"not card: Visa length 15": {"400000000000002", nil},

		// E-mail.
		"email":                  {"mail zhang.san+tb@example.com.cn please", []found{{Email, "zhang.san+tb@example.com.cn"}}},
		"email in Chinese":       {"邮箱是a@b.co谢谢", []found{{Email, "a@b.co"}}},
		"email with digits":      {"13812345678@163.com", []found{{Email, "13812345678@163.com"}}},
		"email sentence end":     {"write to ops@corp.io.", []found{{Email, "ops@corp.io"}}},
		"not email: no dot":      {"user@localhost", nil},
		"not email: numeric tld": {"a@1.2", nil},
		"not email: lone at":     {"@team look", nil},
		"not email: handle":      {"ping @zhang", nil},

		// Landlines.
		"landline Beijing":      {"010-12345678", []found{{Landline, "010-12345678"}}},
		"landline parens":       {"(010)12345678", []found{{Landline, "(010)12345678"}}},
		"landline full-width":   {"电话（021）6123 4567", []found{{Landline, "（021）6123 4567"}}},
		"landline 4-digit area": {"0755 2345678", []found{{Landline, "0755 2345678"}}},
		"landline extension":    {"010-12345678-801", []found{{Landline, "010-12345678-801"}}},
		"landline 转":            {"0571-88888888转123", []found{{Landline, "0571-88888888转123"}}},
		"not landline: date":    {"2024-11-28", nil},
		"not landline: area 01": {"011-12345678", nil},
		"not landline: local 0": {"010-02345678", nil},
		"not landline: no sep":  {"01012345678", nil},
		"not landline: short":   {"010-123456", nil},

		// International.
		"intl UK":         {"+44 20 7946 0958", []found{{IntlPhone, "+44 20 7946 0958"}}},
		"intl US parens":  {"+1 (415) 555-2671", []found{{IntlPhone, "+1 (415) 555-2671"}}},
		"intl together":   {"+4915112345678", []found{{IntlPhone, "+4915112345678"}}},
		"intl Beijing":    {"+86 10 1234 5678", []found{{IntlPhone, "+86 10 1234 5678"}}},
		"not intl: short": {"+1 234 56", nil},
		"not intl: sum":   {"2+441234567890", nil},
		"not intl: long":  {"+1234567890123456", nil},

		// Amounts, dates and other numbers.
		"price":       {"价格 ¥1,380.00 元", nil},
		"amount":      {"refund 13812.34 USD", nil},
		"date":        {"2024-11-28 13:45:00", nil},
		"version":     {"v1.38.1234", nil},
		"ipv4":        {"10.138.123.45", nil},
		"plain text":  {"nothing here", nil},
		"empty":       {"", nil},
		"uuid digits": {"id 13812345678901234567890", nil},

		// Custom patterns and overlaps.
		"custom":                 {"ticket ORD-123456 opened", []found{{CustomKind("order"), "ORD-123456"}}},
		"custom beside a phone":  {"ORD-123456 13812345678", []found{{CustomKind("order"), "ORD-123456"}, {Phone, "13812345678"}}},
		"longest wins":           {"+86 138 1234 5678", []found{{Phone, "+86 138 1234 5678"}}},
		"email beats phone":      {"13812345678@qq.com", []found{{Email, "13812345678@qq.com"}}},
		"id beats card":          {"110101199003071233", []found{{IDCard, "110101199003071233"}}},
		"glued landlines":        {"010 1000000(020)1000000", []found{{Landline, "010 1000000"}, {Landline, "(020)1000000"}}},
		"glued intl":             {"+4420794609581+12025550123", []found{{IntlPhone, "+4420794609581"}, {IntlPhone, "+12025550123"}}},
		"grouped card then card": {"6222 0202 0000 1235 6224001345678903", []found{{BankCard, "6222 0202 0000 1235"}, {BankCard, "6224001345678903"}}},
		"email before a number":  {"a@b.cn.17000000000", []found{{Email, "a@b.cn"}, {Phone, "17000000000"}}},
		"everything in one line": {"张三 13812345678 zs@x.cn 110101199003071233 6222020200001235", []found{{Phone, "13812345678"}, {Email, "zs@x.cn"}, {IDCard, "110101199003071233"}, {BankCard, "6222020200001235"}}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := r.Find(tt.in)
			var gotF []found
			for _, sp := range got {
				if tt.in[sp.Start:sp.End] != sp.Text {
					t.Errorf("span %+v: offsets give %q", sp, tt.in[sp.Start:sp.End])
				}
				gotF = append(gotF, found{sp.Kind, sp.Text})
			}
			if !equalFound(gotF, tt.want) {
				t.Errorf("Find(%q)\n got %v\nwant %v", tt.in, gotF, tt.want)
			}
		})
	}
}

func equalFound(a, b []found) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFindLongInput checks offsets and order on a long text with many
// spans, the shape the per-line tests do not reach.
func TestFindLongInput(t *testing.T) {
	t.Parallel()
	r := newTest(t)
	var b strings.Builder
	for range 200 {
		b.WriteString("客户13812345678说卡号6222 0202 0000 1235有问题, order 20261128123456789. ")
	}
	s := b.String()
	spans := r.Find(s)
	if len(spans) != 400 {
		t.Fatalf("got %d spans, want 400", len(spans))
	}
	prev := 0
	for i, sp := range spans {
		if sp.Start < prev || sp.End <= sp.Start {
			t.Fatalf("span %d %+v out of order after %d", i, sp, prev)
		}
		want := Phone
		if i%2 == 1 {
			want = BankCard
		}
		if sp.Kind != want || s[sp.Start:sp.End] != sp.Text {
			t.Fatalf("span %d: %+v", i, sp)
		}
		prev = sp.End
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		custom []Custom
		want   string // in the error
	}{
		"bad regexp": {[]Custom{{Name: "emp", Pattern: `E(\d+`}}, `"emp"`},
		"empty":      {[]Custom{{Name: "emp", Pattern: ""}}, `"emp": empty pattern`},
		"duplicate":  {[]Custom{{Name: "a", Pattern: "x"}, {Name: "a", Pattern: "y"}}, `"a": duplicate`},
		"bad name":   {[]Custom{{Name: "a b", Pattern: "x"}}, `name "a b"`},
		"empty name": {[]Custom{{Name: "", Pattern: "x"}}, `name ""`},
		"long name":  {[]Custom{{Name: strings.Repeat("n", 33), Pattern: "x"}}, "name"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.custom)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrBadPattern) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want ErrBadPattern mentioning %s", err, tt.want)
			}
		})
	}
	if _, err := New([]Custom{{Name: "emp-id_2", Pattern: `E\d{6}`}}); err != nil {
		t.Errorf("valid pattern: %v", err)
	}
}

// TestCustomEmptyMatches: a pattern that can match nothing yields no
// empty spans.
func TestCustomEmptyMatches(t *testing.T) {
	t.Parallel()
	r := newTest(t, Custom{Name: "maybe", Pattern: `x*`})
	got := r.Find("abxxc")
	if len(got) != 1 || got[0].Text != "xx" {
		t.Errorf("got %+v, want one span xx", got)
	}
}
