package config

import "testing"

func TestSetHashString(t *testing.T) {
	c := NewConnector("sources[0]", "a", "agora")
	c.Set("key", "org#app")
	c.Set("plain", "x: y")
	var v struct {
		Key   string `yaml:"key"`
		Plain string `yaml:"plain"`
	}
	if err := c.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.Key != "org#app" || v.Plain != "x: y" {
		t.Fatalf("%q %q", v.Key, v.Plain)
	}
}
