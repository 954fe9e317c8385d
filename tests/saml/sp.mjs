// An independent SAML 2.0 service provider for the tests: the npm package @node-saml/node-saml (5.x).
//
//   SP_METADATA="$(curl http://127.0.0.1:8123/o/o-.../saml/metadata)" \
//   SP_ENTITY_ID=https://sp.example.test SP_ACS_URL=https://sp.example.test/acs \
//   SAML_SP_DIR=var/tools/saml node tests/saml/sp.mjs
//
// The settings come from the environment (keys in argv would show in `ps`):
//   SP_METADATA          the identity provider's metadata (XML), as Tobira serves it: the entity
//                        ID, the HTTP-Redirect SingleSignOnService and every signing certificate
//                        are read from it here, with @xmldom/xmldom (node-saml's own parser)
//   SP_ENTITY_ID         this service provider's entity ID (the Issuer, and the Audience expected)
//   SP_ACS_URL           its assertion consumer service URL (callbackUrl; the Destination expected)
//   SP_MODE              "sp" (default): SP-initiated; "idp": IdP-initiated (no request, and
//                        InResponseTo is not expected)
//   SP_BINDING           "redirect" (default) or "post": how the AuthnRequest is sent
//   SP_RELAY_STATE       the RelayState to send
//   SP_PRIVATE_KEY       PEM: sign the AuthnRequest (RSA-SHA256); unset: unsigned
//   SP_DECRYPTION_KEY    PEM: decrypt an EncryptedAssertion
//   SP_FORCE_AUTHN       "1": ForceAuthn="true"
//   SP_NAMEID_FORMAT     the NameIDPolicy Format to ask for (none when unset)
//   SP_WANT_RESPONSE_SIGNED / SP_WANT_ASSERTIONS_SIGNED   "0" to accept an unsigned one
//   SP_CLOCK_OFFSET_SECONDS  the SP's clock runs this far ahead when it validates the response
//
// It prints one JSON line: {"authorize": url} (HTTP-Redirect), {"form": {"action", "SAMLRequest",
// "RelayState"}} (HTTP-POST) or {"ready": true} (IdP-initiated). It then reads ONE line from
// stdin: {"SAMLResponse": ..., "RelayState": ...}, what the browser posted to the ACS URL. It
// validates it with validatePostResponseAsync (signatures with the metadata's certificates,
// InResponseTo of the request it made, audience, time conditions, decryption), checks the
// Response's Destination, and prints
//   {"profile": {nameID, nameIDFormat, issuer, sessionIndex, inResponseTo, attributes},
//    "authn_context": ..., "destination": ..., "relay_state": ...}
// and exits 0; on any refusal {"error": name, "message": ...} and exits 1. The response itself
// is never printed. The identity provider must be on 127.0.0.1.

import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { pathToFileURL } from 'node:url';

function emit(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function fail(error) {
  emit({ error: error?.name || 'Error', message: String(error?.message ?? error) });
  process.exit(1);
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
      if (!done) reject(new Error('stdin closed before the response arrived'));
    });
  });
}

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function readMetadata(xmldom, xml, binding) {
  const doc = new xmldom.DOMParser().parseFromString(xml, 'text/xml');
  const entity = doc.documentElement;
  if (!entity || entity.localName !== 'EntityDescriptor' || entity.namespaceURI !== MD) {
    throw new TypeError('the metadata is not an EntityDescriptor');
  }
  const descriptor = entity.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!descriptor) throw new TypeError('the metadata has no IDPSSODescriptor');
  const services = Array.from(descriptor.getElementsByTagNameNS(MD, 'SingleSignOnService'));
  const service = services.find((s) => s.getAttribute('Binding') === binding);
  if (!service) throw new TypeError(`no SingleSignOnService for ${binding}`);
  const certs = Array.from(descriptor.getElementsByTagNameNS(MD, 'KeyDescriptor'))
    .filter((k) => !k.getAttribute('use') || k.getAttribute('use') === 'signing')
    .flatMap((k) => Array.from(k.getElementsByTagNameNS(DS, 'X509Certificate')))
    .map((c) => c.textContent.replace(/\s+/g, ''));
  if (certs.length === 0) throw new TypeError('the metadata has no signing certificate');
  return { entityId: entity.getAttribute('entityID'), sso: service.getAttribute('Location'), certs };
}

function text(node) {
  if (node === undefined || node === null) return null;
  if (typeof node === 'string') return node;
  return node._ ?? null;
}

function shiftClock(seconds) {
  if (!seconds) return;
  const RealDate = Date;
  const offset = seconds * 1000;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}

async function main() {
  // NODE_PATH does not apply to ESM imports: resolve the packages from SAML_SP_DIR by hand.
  const spDir = path.resolve(process.env.SAML_SP_DIR || 'var/tools/saml');
  const requireHere = createRequire(path.join(spDir, 'node_modules', 'resolve.js'));
  const nodeSaml = await import(pathToFileURL(requireHere.resolve('@node-saml/node-saml')).href);
  const xmldom = await import(
    pathToFileURL(
      createRequire(requireHere.resolve('@node-saml/node-saml')).resolve('@xmldom/xmldom'),
    ).href
  );

  const mode = process.env.SP_MODE || 'sp';
  const binding = (process.env.SP_BINDING || 'redirect') === 'post' ? POST : REDIRECT;
  const entityId = process.env.SP_ENTITY_ID || '';
  const acsUrl = process.env.SP_ACS_URL || '';
  if (!entityId || !acsUrl) throw new TypeError('SP_ENTITY_ID and SP_ACS_URL are needed');
  const idp = readMetadata(xmldom, process.env.SP_METADATA || '', binding);
  if (new URL(idp.sso).hostname !== '127.0.0.1') {
    throw new TypeError(`the identity provider must be on 127.0.0.1, not ${new URL(idp.sso).host}`);
  }
  const relayState = process.env.SP_RELAY_STATE || '';
  const options = {
    callbackUrl: acsUrl,
    entryPoint: idp.sso,
    issuer: entityId,
    audience: entityId,
    idpIssuer: idp.entityId,
    idpCert: idp.certs,
    identifierFormat: process.env.SP_NAMEID_FORMAT || null,
    wantAuthnResponseSigned: process.env.SP_WANT_RESPONSE_SIGNED !== '0',
    wantAssertionsSigned: process.env.SP_WANT_ASSERTIONS_SIGNED !== '0',
    validateInResponseTo: mode === 'idp' ? 'never' : 'always',
    forceAuthn: process.env.SP_FORCE_AUTHN === '1',
    authnRequestBinding: binding === POST ? 'HTTP-POST' : 'HTTP-Redirect',
    disableRequestedAuthnContext: true,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
  };
  if (process.env.SP_PRIVATE_KEY) options.privateKey = process.env.SP_PRIVATE_KEY;
  if (process.env.SP_DECRYPTION_KEY) options.decryptionPvk = process.env.SP_DECRYPTION_KEY;
  const saml = new nodeSaml.SAML(options);

  if (mode === 'idp') {
    emit({ ready: true });
  } else if (binding === POST) {
    const message = await saml.getAuthorizeMessageAsync(relayState, undefined, {});
    emit({ form: { action: idp.sso, ...message } });
  } else {
    emit({ authorize: await saml.getAuthorizeUrlAsync(relayState, undefined, {}) });
  }

  const posted = JSON.parse(await readLine());
  shiftClock(Number(process.env.SP_CLOCK_OFFSET_SECONDS || 0));
  const { profile } = await saml.validatePostResponseAsync({
    SAMLResponse: posted.SAMLResponse,
    RelayState: posted.RelayState,
  });
  if (!profile) throw new Error('no profile in the response');
  if (profile.issuer !== idp.entityId) throw new Error(`unexpected issuer ${profile.issuer}`);

  // What node-saml does not check itself: the Response is addressed to this ACS.
  const xml = Buffer.from(posted.SAMLResponse, 'base64').toString('utf8');
  const doc = new xmldom.DOMParser().parseFromString(xml, 'text/xml');
  const destination = doc.documentElement.getAttribute('Destination');
  if (destination !== acsUrl) throw new Error(`unexpected Destination ${destination}`);

  const assertion = profile.getAssertion().Assertion;
  const statement = assertion.AuthnStatement?.[0];
  const conditions = assertion.Conditions?.[0];
  emit({
    profile: {
      nameID: profile.nameID,
      nameIDFormat: profile.nameIDFormat,
      issuer: profile.issuer,
      sessionIndex: profile.sessionIndex ?? null,
      inResponseTo: profile.inResponseTo ?? null,
      attributes: profile.attributes ?? {},
    },
    authn_context: text(statement?.AuthnContext?.[0]?.AuthnContextClassRef?.[0]),
    not_on_or_after: conditions?.$?.NotOnOrAfter ?? null,
    audience: text(conditions?.AudienceRestriction?.[0]?.Audience?.[0]),
    encrypted: doc.documentElement.getElementsByTagNameNS(
      'urn:oasis:names:tc:SAML:2.0:assertion', 'EncryptedAssertion').length > 0,
    destination,
    relay_state: posted.RelayState ?? null,
  });
  process.exit(0);
}

main().catch(fail);
