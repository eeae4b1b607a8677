package wxcrypt_test

import (
	"errors"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/wxcrypt"
)

// The DingTalk official vector (im-protocols.md §4.4) through the shared
// code: signature, decryption, and re-encryption with its random prefix.
func TestOfficialVector(t *testing.T) {
	c, err := wxcrypt.New("tokenxxxx", "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus", "dingxxxxxx")
	if err != nil {
		t.Fatal(err)
	}
	const enc = "X1VSe9cTJUMZu60d3kyLYTrBq5578ZRJtteU94wG0Q4Uk6E/wQYeJRIC0/UFW5Wkya1Ihz9oXAdLlyC9TRaqsQ=="
	if !c.CheckSignature("f36f4ba5337d426c7d4bca0dbcb06b3ddc1388fc", "1605695694141", "WelUQl6bCqcBa2fM", enc) {
		t.Fatal("official signature refused")
	}
	msg, err := c.Decrypt(enc)
	if err != nil || string(msg) != "success" {
		t.Fatalf("Decrypt = %q, %v", msg, err)
	}
	again, err := c.Encrypt([]byte("WelUQl6bCqcBa2fM"), []byte("success"))
	if err != nil || again != enc {
		t.Fatalf("Encrypt = %q, %v; want the vector", again, err)
	}
	other, _ := wxcrypt.New("tokenxxxx", "o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus", "dingyyyyyy")
	if _, err := other.Decrypt(enc); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("foreign receive id: %v, want ErrBadSignature", err)
	}
	if _, err := c.Decrypt("not base64!"); !errors.Is(err, core.ErrMalformed) {
		t.Fatalf("garbage: %v, want ErrMalformed", err)
	}
	if _, err := wxcrypt.New("t", "short", "x"); err == nil {
		t.Fatal("a short key must be refused")
	}
}
