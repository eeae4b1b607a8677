package redact

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// chatMessage is a typical support message of about 500 characters: mixed
// Chinese and English, one phone, one e-mail, one card, and the order
// numbers, amounts and times that must be left alone.
const chatMessage = "您好，我昨天在你们店里下的订单 20261128123456789 到现在还没有发货，" +
	"页面上显示的物流单号是 SF1234567890123，但是查不到任何信息。I paid ¥1,380.00 with card " +
	"6222 0202 0000 1235 at 2024-11-28 13:45:00 and got charged twice. " +
	"Please call me back on 138 1234 5678 or email zhang.san@example.com; " +
	"my colleague's office line is 010-62345678. 另外，上次客服说会在三个工作日内退款，" +
	"but ticket #48213 was closed without any reply and the refund of 1380 yuan never arrived. " +
	"I have attached the screenshot of the bank statement from 11/28 showing both payments. " +
	"如果今天之内还不能处理，我只能去投诉了。谢谢！"

func BenchmarkMask(b *testing.B) {
	r := newTest(b)
	if n := utf8.RuneCountInString(chatMessage); n < 450 || n > 550 {
		b.Fatalf("message is %d characters, want about 500", n)
	}
	if got := len(r.Find(chatMessage)); got != 4 {
		b.Fatalf("found %d spans, want 4", got)
	}
	p := Policy{Default: Partial}
	b.SetBytes(int64(len(chatMessage)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Mask(chatMessage, p)
	}
}

// BenchmarkMaskClean is the common log-line case: nothing to find.
func BenchmarkMaskClean(b *testing.B) {
	r := newTest(b)
	line := strings.Repeat("created ticket for the conversation, retrying later. ", 10)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Mask(line, Policy{Default: Full})
	}
}
