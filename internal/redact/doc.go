// Package redact finds personal data in free text and masks it.
//
// It runs on everything ticketbridge sends to a ticket system and on
// everything it logs, so it is pure (no I/O, no clock) and cheap: one
// left-to-right pass over the bytes with hand-written matchers, plus any
// custom regular expressions from the configuration.
//
// # What it catches
//
//   - phone: Chinese mobile numbers, 11 digits starting 1[3-9], written
//     together or as 3-4-4 (or 3-8, 7-4) groups split by single spaces or
//     dashes, with an optional +86, 0086, 86 or (+86) prefix.
//   - id_card: 18-digit PRC resident ID numbers whose ISO 7064 MOD 11-2 check
//     character (0-9 or X) is right, whose first two digits are a real
//     province code and whose birth date (1900-2099) exists; and legacy
//     15-digit numbers with a real province code and birth date (19YYMMDD).
//   - bank_card: 13-19 digits, together or in groups, that pass the Luhn
//     check and start like a real card (see below).
//   - email: local@domain.tld with a dotted domain and an alphabetic TLD.
//   - landline: Chinese fixed lines with an area code and a separator or
//     parentheses: 010-12345678, 0755 1234567, (010)12345678, （021）…, with
//     an optional -NNNN extension.
//   - intl_phone: E.164 numbers, "+" then 8-15 digits, with spaces, dashes
//     or a parenthesised group (+1 (415) 555-2671).
//   - custom:<name>: any regular expression configured by name.
//
// # What it leaves alone, and why
//
// A support chat is full of numbers that look like personal data and are
// not: order numbers, tracking numbers, Unix timestamps, amounts, internal
// ids. Masking them would make tickets useless, so a number is only taken
// when its structure says what it is:
//
//   - Digits embedded in a longer run of digits or in a word (ASCII letters,
//     digits, underscore) are never matched: 2026112813812345678 is an order
//     number, not a phone; SF1234567890123 is a tracking number. CJK text is
//     not a word for this purpose, so 手机号13812345678谢谢 is a phone.
//   - A number glued to a decimal point or a dash followed by more digits is
//     part of something bigger (13812345678.50, 2024-11-28).
//   - ID numbers with a wrong check character or an impossible date, and
//     card numbers failing Luhn, are left as they are.
//   - Card numbers must also start like an issuer: 4 (Visa, 13/16/19
//     digits), 5 (16-19), 6 (16-19), 2221-2720 (Mastercard, 16), 34/37
//     (Amex, 15), 35 (JCB, 16-19), 30/36/38/39 (Diners, 14-19). This is what
//     keeps date-prefixed order numbers (20261128123456789) and millisecond
//     timestamps (1732780800000) out even when they happen to pass Luhn,
//     which one in ten random numbers does.
//   - A grouped card or ID number must not touch another short digit group
//     across a space or dash, so a long spaced-out reference number does
//     not yield a card from its middle.
//   - 10-digit timestamps and anything of 20 or more digits match nothing.
//
// Known gaps, accepted: full-width digits are not recognised; 16-19 digit
// references that start like a card and pass Luhn are masked as cards; a
// landline written without area code or separator is not recognised.
//
// When matches overlap, the longest wins, and on equal length the more
// specific: a custom pattern, then a checksummed 18-digit ID, a card, an
// e-mail address, a legacy 15-digit ID, a mobile, a landline, an E.164
// number. A match glued to the end of another ("…5678+44 20…") is looked
// for again once the first is found, so that masking never uncovers
// anything detectable.
//
// # Masks
//
// Each kind can be masked partially (keeping what a support agent needs to
// recognise the customer: 138****5678, 6222 **** **** 1234,
// 110101********1234, a***@example.com), fully ([PHONE], [ID_CARD],
// [BANK_CARD], [EMAIL], [LANDLINE], [INTL_PHONE], [NAME] for a custom
// pattern called name), or dropped. Partial masks replace digits in place
// and keep the writer's separators. Mask re-scans its own output (at most
// three more times) so that a value glued to another, and hidden by it
// from Find, does not survive once its neighbour is masked; a dropped
// value leaves a space where the two sides would otherwise glue together.
package redact
