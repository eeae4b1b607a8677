package larkcrypt_test

import (
	"crypto/rand"
	"errors"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/larkcrypt"
)

// Feishu's documented sample ("test key" opens to "hello world"), a
// round trip, and the refusals.
func TestDecrypt(t *testing.T) {
	t.Parallel()
	got, err := larkcrypt.Decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")
	if err != nil || string(got) != "hello world" {
		t.Fatalf("official sample: %q %v", got, err)
	}
	enc, err := larkcrypt.Encrypt("k", []byte(`{"challenge":"c"}`), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := larkcrypt.Decrypt("k", enc); err != nil || string(got) != `{"challenge":"c"}` {
		t.Fatalf("round trip: %q %v", got, err)
	}
	if _, err := larkcrypt.Decrypt("other key", enc); !errors.Is(err, larkcrypt.ErrPadding) && err == nil {
		t.Fatal("a wrong key decrypted")
	}
	if _, err := larkcrypt.Decrypt("k", "not base64!"); !errors.Is(err, larkcrypt.ErrCiphertext) {
		t.Fatalf("bad base64: %v", err)
	}
	if larkcrypt.Signature("1", "n", "k", []byte("b")) == larkcrypt.Signature("1", "n", "k", []byte("c")) {
		t.Fatal("the signature ignores the body")
	}
}
