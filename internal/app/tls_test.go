package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeCert(t *testing.T, dir, cn string, mod time.Time) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{cn}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	cf, kf := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	os.Chtimes(cf, mod, mod)
	os.Chtimes(kf, mod, mod)
	return cf, kf
}

// A renewed certificate is served without a restart.
func TestCertificateReloads(t *testing.T) {
	dir := t.TempDir()
	cf, kf := writeCert(t, dir, "old.example", time.Now().Add(-time.Minute))
	r, err := newCertReloader(cf, kf)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := r.get()
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	if leaf.Subject.CommonName != "old.example" {
		t.Fatalf("serving %s", leaf.Subject.CommonName)
	}
	writeCert(t, dir, "new.example", time.Now())
	r.mu.Lock()
	r.checked = time.Time{} // skip the once-a-second wait
	r.mu.Unlock()
	c, _ = r.get()
	leaf, _ = x509.ParseCertificate(c.Certificate[0])
	if leaf.Subject.CommonName != "new.example" {
		t.Fatalf("after renewal serving %s", leaf.Subject.CommonName)
	}
	os.WriteFile(kf, []byte("half written"), 0o600)
	r.mu.Lock()
	r.checked = time.Time{}
	r.mu.Unlock()
	if c2, err := r.get(); err != nil || c2 != c {
		t.Fatalf("a broken renewal must keep the last good certificate: %v", err)
	}
	if _, err := newCertReloader(filepath.Join(dir, "missing.pem"), kf); err == nil {
		t.Fatal("a missing certificate must fail at start")
	}
}
