// A certified OpenID Connect relying party for the tests: the npm package openid-client (6.x).
//
//   RP_ISSUER=http://127.0.0.1:8123 RP_CLIENT_ID=tobira RP_CLIENT_SECRET=s3cret \
//   RP_REDIRECT_URI=http://127.0.0.1:1/callback OIDC_CLIENT_DIR=var/tools/rp \
//   node tests/oidc/rp.mjs
//
// The settings come from the environment (a secret in argv would show in `ps`):
//   RP_ISSUER          the issuer; discovery is <issuer>/.well-known/openid-configuration
//   RP_CLIENT_ID       the client id
//   RP_CLIENT_SECRET   the secret; empty: a public client (token_endpoint_auth_method none)
//   RP_AUTH_METHOD     client_secret_basic (the default with a secret) or client_secret_post
//   RP_REDIRECT_URI    the redirect URI
//   RP_SCOPE           "openid email profile" unless set
//   RP_ID_TOKEN_ALG    the ID token signing algorithm to expect (openid-client's default: RS256)
//   RP_REFRESH         "1": ask for a refresh token (offline_access with prompt=consent, which
//                      oidc-provider needs before it grants offline_access) and use it; then
//                      present the first refresh token again (a rotated provider refuses it)
//   RP_POST_LOGOUT_URI a post_logout_redirect_uri: the result carries "end_session_url", the
//                      RP-initiated logout URL (with id_token_hint and a state) for the browser
//
// It discovers the provider, then prints one JSON line {"authorize": url}: the authorization
// URL, with PKCE (S256), a nonce and a state. It then reads ONE line from stdin: the callback
// URL the browser reached. It redeems the code (checking state, iss, the ID token's signature,
// nonce, audience, issuer...), asks the userinfo endpoint (the same sub expected), uses the
// refresh token when RP_REFRESH is set, and prints one JSON line
//   {"claims": {...}, "userinfo": {...}, "refreshed": {...} or null,
//    "id_token_header": {...}, "token": {"token_type", "scope", "expires_in", "refresh_token"}}
// and exits 0. On any error it prints {"error": name, "message": ..., ...} and exits 1.
// No token is ever printed: the decoded claims and headers are enough, and logs stay clean.
//
// Plain http is allowed for an issuer on 127.0.0.1 only, and every request (discovery, JWKS,
// token, userinfo) must go to 127.0.0.1. bin/_setup.sh (ensure_oidc_client) installs the
// package into var/tools/rp; tests/support/rp.py runs this script.

import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { pathToFileURL } from 'node:url';

function emit(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function fail(error) {
  const report = { error: error?.name || 'Error', message: String(error?.message ?? error) };
  if (error?.code) report.code = error.code;
  // ResponseBodyError (an OAuth error from the provider) and AuthorizationResponseError.
  if (error?.error) report.oauth_error = error.error;
  if (error?.error_description) report.error_description = error.error_description;
  // WWWAuthenticateChallengeError (e.g. a 401 for a wrong secret): the challenge's error.
  const challenge = Array.isArray(error?.cause) ? error.cause[0]?.parameters : undefined;
  if (challenge?.error && !report.oauth_error) report.oauth_error = challenge.error;
  if (challenge?.error_description && !report.error_description) {
    report.error_description = challenge.error_description;
  }
  if (error?.cause?.message) report.cause = String(error.cause.message);
  // oauth4webapi says why it refused in the cause's own cause; keep the parts that carry no
  // token nor code (not "body", "parameters", "headers", "claims").
  const detail = error?.cause?.cause ?? error?.cause;
  if (detail && typeof detail === 'object' && !(detail instanceof Error)) {
    for (const key of ['reason', 'expected', 'header', 'claim', 'attribute', 'now', 'tolerance']) {
      if (detail[key] !== undefined) (report.detail ??= {})[key] = detail[key];
    }
  }
  emit(report);
  process.exit(1);
}

function decodeSegment(jwt, index) {
  return JSON.parse(Buffer.from(jwt.split('.')[index], 'base64url').toString('utf8'));
}

function tokenSummary(tokens) {
  return {
    token_type: tokens.token_type ?? null,
    scope: tokens.scope ?? null,
    expires_in: tokens.expires_in ?? null,
    refresh_token: Boolean(tokens.refresh_token),
  };
}

function readLine() {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: process.stdin, terminal: false });
    let done = false;
    lines.once('line', (line) => {
      done = true;
      lines.close();
      resolve(line.trim());
    });
    lines.once('close', () => {
      if (!done) reject(new Error('stdin closed before the callback URL arrived'));
    });
  });
}

async function main() {
  // NODE_PATH does not apply to ESM imports, so resolve the package from
  // OIDC_CLIENT_DIR (the directory holding node_modules/openid-client) by hand.
  const clientDir = path.resolve(process.env.OIDC_CLIENT_DIR || 'var/tools/rp');
  const entry = createRequire(path.join(clientDir, 'node_modules', 'resolve.js')).resolve(
    'openid-client',
  );
  const client = await import(pathToFileURL(entry).href);

  const issuer = new URL(process.env.RP_ISSUER || '');
  const clientId = process.env.RP_CLIENT_ID || '';
  const secret = process.env.RP_CLIENT_SECRET || '';
  const redirectUri = process.env.RP_REDIRECT_URI || '';
  const refresh = process.env.RP_REFRESH === '1';
  let scope = process.env.RP_SCOPE || 'openid email profile';
  if (!clientId || !redirectUri) throw new TypeError('RP_CLIENT_ID and RP_REDIRECT_URI are needed');
  if (!['127.0.0.1', 'localhost'].includes(issuer.hostname)) {
    throw new TypeError(`the issuer must be on 127.0.0.1, not ${issuer.host}`);
  }

  // Every request stays on 127.0.0.1, whatever the discovery document says.
  const loopbackFetch = (url, options) => {
    const host = new URL(url).hostname;
    if (host !== issuer.hostname) throw new TypeError(`refusing a request to ${host}: loopback only`);
    return fetch(url, options);
  };

  const metadata = {};
  if (process.env.RP_ID_TOKEN_ALG) metadata.id_token_signed_response_alg = process.env.RP_ID_TOKEN_ALG;
  let auth;
  if (!secret) {
    auth = client.None();
  } else if ((process.env.RP_AUTH_METHOD || 'client_secret_basic') === 'client_secret_post') {
    auth = client.ClientSecretPost(secret);
  } else {
    auth = client.ClientSecretBasic(secret);
  }
  const config = await client.discovery(issuer, clientId, metadata, auth, {
    [client.customFetch]: loopbackFetch,
    execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
    timeout: 10,
  });

  const codeVerifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const parameters = {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  };
  if (refresh) {
    // oidc-provider keeps offline_access only with prompt=consent (and a client allowed the
    // refresh_token grant); other providers may simply ignore the prompt.
    if (!scope.split(' ').includes('offline_access')) scope = `${scope} offline_access`;
    parameters.scope = scope;
    parameters.prompt = 'consent';
  }
  emit({ authorize: client.buildAuthorizationUrl(config, parameters).href });

  const callback = new URL(await readLine());
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);

  let refreshed = null;
  if (refresh) {
    if (!tokens.refresh_token) throw new Error('the provider issued no refresh token');
    const renewed = await client.refreshTokenGrant(config, tokens.refresh_token);
    refreshed = {
      ...tokenSummary(renewed),
      claims: renewed.id_token ? renewed.claims() : null,
      rotated: Boolean(renewed.refresh_token) && renewed.refresh_token !== tokens.refresh_token,
    };
    // The new access token works too.
    refreshed.userinfo = await client.fetchUserInfo(config, renewed.access_token, claims.sub);
    // The first refresh token, presented again after the rotation.
    try {
      await client.refreshTokenGrant(config, tokens.refresh_token);
      refreshed.old_token_reused = 'accepted';
    } catch (error) {
      refreshed.old_token_reused = error?.error || error?.name || 'refused';
    }
  }

  let endSessionUrl = null;
  if (process.env.RP_POST_LOGOUT_URI) {
    endSessionUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: process.env.RP_POST_LOGOUT_URI,
      state: 'logout-state',
    }).href;
  }

  emit({
    claims,
    userinfo,
    refreshed,
    id_token_header: decodeSegment(tokens.id_token, 0),
    token: tokenSummary(tokens),
    // Carries the ID token as id_token_hint: for the test's browser only, never logged.
    end_session_url: endSessionUrl,
  });
  process.exit(0);
}

main().catch(fail);
