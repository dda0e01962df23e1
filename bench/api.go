package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/virtualspaces/vsauth/internal/totp"
)

// apiClient makes the few setup calls through the API, as a client would.
type apiClient struct {
	base string
	http *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path, token string, body any, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "JWT "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d, want %d: %.200s", method, path, res.StatusCode, want, out)
	}
	return out, nil
}

func (c *apiClient) signUp(ctx context.Context, email, pw string) error {
	_, err := c.do(ctx, "POST", "/api/user/create/", "", map[string]string{"email": email, "password": pw}, http.StatusCreated)
	return err
}

func (c *apiClient) login(ctx context.Context, email, pw string) (string, error) {
	out, err := c.do(ctx, "POST", "/api/user/login/", "", map[string]string{"email": email, "password": pw}, http.StatusOK)
	if err != nil {
		return "", err
	}
	return tokenOf(out)
}

func tokenOf(body []byte) (string, error) {
	var t struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.Token == "" {
		return "", fmt.Errorf("no token in %.200s", body)
	}
	return t.Token, nil
}

// enrolTOTP creates the user's device and confirms it with a current code,
// returning the hex key.
func (c *apiClient) enrolTOTP(ctx context.Context, token string) (string, error) {
	out, err := c.do(ctx, "GET", "/api/totp/create/", token, nil, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var raw string
	if err := json.Unmarshal(out, &raw); err != nil {
		return "", fmt.Errorf("totp create: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("totp create: %w", err)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(u.Query().Get("secret")))
	if err != nil {
		return "", fmt.Errorf("totp create: secret: %w", err)
	}
	keyHex := hex.EncodeToString(key)
	code, err := totp.Code(keyHex, time.Now(), 6, 30)
	if err != nil {
		return "", err
	}
	if _, err := c.do(ctx, "POST", "/api/totp/login/"+code+"/", token, nil, http.StatusCreated); err != nil {
		return "", err
	}
	return keyHex, nil
}

// wrongCode is a code that none of the steps the server accepts at now
// (tolerance 1) produces, so the server checks it in full and refuses it.
func wrongCode(keyHex string, now time.Time) (string, error) {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
		c, err := totp.Code(keyHex, now.Add(d), 6, 30)
		if err != nil {
			return "", err
		}
		valid[c] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (123457*i+99991)%1_000_000)
		if !valid[c] {
			return c, nil
		}
	}
}
