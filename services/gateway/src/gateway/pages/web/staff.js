// Signing in on the staff pages (agent console, analytics): a token from the tenant's admin API
// key or pasted, kept for the tab; REST calls with it, signing out on 401.
"use strict";

class ApiError extends Error {}

function staffSession({ tokenKey, role, tokenRequest, onSignIn, onSignOut }) {
  const $ = (id) => document.getElementById(id);
  let token = null;

  function claims(jwt) {
    try {
      const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(payload));
    } catch {
      return null;
    }
  }

  function signIn(newToken) {
    const payload = claims(newToken);
    if (!payload || payload.role !== role) {
      $("login-error").textContent = `That is not an ${role} token.`;
      return;
    }
    token = newToken;
    sessionStorage.setItem(tokenKey, token);
    $("login").hidden = true;
    $("logout").hidden = false;
    onSignIn(payload);
  }

  function signOut(message = "") {
    sessionStorage.removeItem(tokenKey);
    token = null;
    $("login").hidden = false;
    $("logout").hidden = true;
    $("login-error").textContent = message;
    onSignOut();
  }

  function expired() {
    signOut("Your token expired or is invalid; sign in again.");
  }

  async function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${token}`, ...(options.headers || {}) };
    if (options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) {
      expired();
      throw new ApiError("signed out");
    }
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
      throw new ApiError(`${detail} (HTTP ${response.status})`);
    }
    return body;
  }

  $("key-login").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const response = await fetch("/v1/tokens", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": $("api-key").value.trim() },
      body: JSON.stringify({ role, ...tokenRequest() }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      $("login-error").textContent = `Could not get a token: ${body.detail || response.status}`;
      return;
    }
    signIn(body.token);
  });

  $("token-login").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("token").value.trim());
  });

  $("logout").addEventListener("click", () => signOut());

  return {
    api,
    expired,
    signOut,
    token: () => token,
    resume: () => {
      const kept = sessionStorage.getItem(tokenKey);
      if (kept) signIn(kept);
    },
  };
}
