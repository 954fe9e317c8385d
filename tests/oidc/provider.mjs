// A real OpenID Connect provider for the tests: the npm package oidc-provider (9.x).
//
//   OIDC_PORT=8123 OIDC_CLIENTS='[{"client_id":"tobira","client_secret":"s3cret",
//     "redirect_uris":["http://127.0.0.1:8000/accounts/oidc/callback/"]}]' \
//   OIDC_PROVIDER_DIR=var/tools/oidc node tests/oidc/provider.mjs
//
// Prints "READY <issuer>" on stdout once it listens on 127.0.0.1:<OIDC_PORT>;
// the issuer is http://127.0.0.1:<OIDC_PORT>. bin/_setup.sh (ensure_oidc_provider)
// installs the package into var/tools/oidc; tests/support/oidc.py runs this script.
//
// Sign-in uses oidc-provider's development interactions (devInteractions, on by
// default): a login form that accepts any login and password, then a consent form.
// The login becomes the account id (sub):
//   email            the login if it contains "@", else "<login>@example.test"
//   email_verified   false when the login starts with "unverified", else true
//   name             the login
//   preferred_username  the part of the login before "@"
//   amr              ["pwd", "mfa"] in the ID token when the login contains "+mfa"
//
// Plain http on 127.0.0.1 needs no special setting in oidc-provider 9: an http
// issuer is accepted, cookies are only marked Secure on https requests, and http
// (even loopback) redirect_uris are refused only for implicit-flow web clients;
// these clients use the code flow. `proxy` is not needed: nothing sits in front.

import * as crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

// NODE_PATH does not apply to ESM imports, so resolve the package from
// OIDC_PROVIDER_DIR (the directory holding node_modules/oidc-provider) by hand.
const providerDir = path.resolve(process.env.OIDC_PROVIDER_DIR || 'var/tools/oidc');
const entry = createRequire(path.join(providerDir, 'node_modules', 'resolve.js')).resolve(
  'oidc-provider',
);
const { default: Provider } = await import(pathToFileURL(entry).href);

const port = Number.parseInt(process.env.OIDC_PORT || '', 10);
if (!Number.isInteger(port) || port <= 0) {
  console.error('OIDC_PORT must be a port number');
  process.exit(2);
}
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const issuer = `http://127.0.0.1:${port}`;

function claimsFor(id) {
  const email = id.includes('@') ? id : `${id}@example.test`;
  return {
    sub: id,
    email,
    email_verified: !id.startsWith('unverified'),
    name: id,
    preferred_username: id.split('@')[0],
  };
}

// A fresh signing key for each run (instead of the package's published
// development keystore) and fresh cookie-signing keys.
const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const configuration = {
  clients: clients.map((client) => ({
    // Any other client metadata given in OIDC_CLIENTS (token_endpoint_auth_method,
    // post_logout_redirect_uris, ...) is passed through as it is.
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...client,
  })),
  // Registering client_secret_basic (the default) is enough for both: oidc-provider 9
  // accepts client_secret_basic and client_secret_post interchangeably for a client
  // registered with either, as long as the secret is sent one way only (a request with
  // both an Authorization header and a client_secret parameter is refused).
  clientDefaults: {
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  // 'none': public clients (token_endpoint_auth_method "none"), as tests/oidc/rp.mjs signs
  // in without a secret. PKCE stays optional for them too (see pkce below); rp.mjs sends it.
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  // PKCE: by default oidc-provider requires it only for public clients
  // (token_endpoint_auth_method "none") and FAPI profiles; a confidential client may
  // send code_challenge (S256 only; "plain" is refused) or not. When it sends one, the
  // token request must carry the matching code_verifier. Saying so explicitly keeps it
  // optional for every client, so the relying party may use PKCE or not.
  pkce: { required: () => false },
  claims: {
    // amr: filled from the sign-in (see interactionFinished below), only when present.
    openid: ['sub', 'amr'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  // Put the scope's claims (email, name, ...) in the ID token too, not only in
  // the userinfo response.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
  },
  // Set so the provider does not log a notice for each default used (seconds).
  ttl: { Interaction: 600, Session: 3600, Grant: 3600 },
  cookies: {
    // Cookies ignore ports, so the provider's share a client's cookie jar with the
    // application under test on 127.0.0.1: give them names of their own (the harness
    // drops the ones starting with "oidc_op_" to start a sign-in afresh).
    names: {
      session: 'oidc_op_session',
      interaction: 'oidc_op_interaction',
      resume: 'oidc_op_resume',
    },
    keys: [crypto.randomBytes(32).toString('base64url')],
  },
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return claimsFor(id);
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

// The development login form only reports the account id; give "+mfa" logins an
// amr of ["pwd", "mfa"] by amending the login result before it reaches the session.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  const accountId = result?.login?.accountId;
  if (typeof accountId === 'string' && accountId.includes('+mfa') && !result.login.amr) {
    result.login.amr = ['pwd', 'mfa'];
  }
  return interactionFinished(req, res, result, options);
};

provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
