package live

import "testing"

func TestIsComplaint(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		text  string
		extra []string
		want  bool
		term  string
	}{
		"bare zh":              {text: "卡", want: true, term: "卡"},
		"zh longest at start":  {text: "好卡顿啊", want: true, term: "卡顿"},
		"zh black screen":      {text: "主播黑屏了？？", want: true, term: "黑屏"},
		"zh no sound":          {text: "怎么没有声音", want: true, term: "没有声音"},
		"zh cannot hear":       {text: "听不到啊", want: true, term: "听不到"},
		"zh delay":             {text: "延迟好高", want: true, term: "延迟"},
		"zh negated":           {text: "不卡了", want: false},
		"zh negated far":       {text: "一点都不卡", want: false},
		"zh negated noun":      {text: "现在没有卡顿", want: false},
		"zh negation too far":  {text: "不知道为什么卡", want: true, term: "卡"},
		"zh plea counts":       {text: "别卡了", want: true, term: "卡"},
		"zh resolved":          {text: "刚才卡了一下，现在好了", want: false},
		"zh asking if fixed":   {text: "黑屏好了吗", want: true, term: "黑屏"},
		"zh credit card":       {text: "信用卡能付吗", want: false},
		"zh check-in":          {text: "打卡打卡", want: false},
		"zh praise":            {text: "主播好美", want: false},
		"en lag":               {text: "so much LAG", want: true, term: "lag"},
		"en lagging":           {text: "stream is lagging", want: true, term: "lagging"},
		"en not inside word":   {text: "raise the flag", want: false},
		"en negated":           {text: "no lag now", want: false},
		"en negated two words": {text: "it is not lagging any more", want: false},
		"en no sound":          {text: "NO SOUND??", want: true, term: "no sound"},
		"en contraction":       {text: "I can’t hear anything", want: true, term: "can't hear"},
		"en cannot":            {text: "cannot hear the host", want: true, term: "can't hear"},
		"en black screen":      {text: "black screen for me", want: true, term: "black screen"},
		"en out of sync":       {text: "audio out of sync", want: true, term: "out of sync"},
		"en fixed":             {text: "buffering fixed now", want: false},
		"full width":           {text: "ＬＡＧ", want: true, term: "lag"},
		"extra zh":             {text: "画面撕裂了", extra: []string{"撕裂"}, want: true, term: "撕裂"},
		"extra en boundary":    {text: "tearing everywhere", extra: []string{"tearing"}, want: true, term: "tearing"},
		"extra en inside word": {text: "heartearing", extra: []string{"tearing"}, want: false},
		"earliest wins":        {text: "黑屏然后卡顿", want: true, term: "黑屏"},
		"neutral":              {text: "哈哈哈哈 666", want: false},
		"empty":                {text: "", want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, term := IsComplaint(tc.text, tc.extra)
			if ok != tc.want || term != tc.term {
				t.Errorf("IsComplaint(%q) = %v, %q; want %v, %q", tc.text, ok, term, tc.want, tc.term)
			}
		})
	}
}
