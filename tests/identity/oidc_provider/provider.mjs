// A real OpenID provider (the `oidc-provider` package) for Koordinat's login tests.
//
// Usage: node provider.mjs <config.json>
// The config names the clients, the accounts (id -> claims) and optionally a clock offset
// and `pushedAuthorizationRequests: false` for a provider without a PAR endpoint.
// It listens on a free port on 127.0.0.1 and prints one JSON line {"issuer": ...} when ready.
//
// The interaction pages are deliberately plain HTML forms so that tests can drive them
// like a browser would: a login form (account id and authentication level) and a consent
// form. Like ID-porten, the provider puts `pid` and `acr` in the ID token; like HelseID,
// it has an HPR number claim.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

if (config.clockOffsetSeconds) {
  // A provider whose clock is behind: everything it issues is already old for Koordinat.
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + config.clockOffsetSeconds * 1000;
}

const ACR_VALUES = ['idporten-loa-substantial', 'idporten-loa-high'];
const HPR_SCOPE = 'helseid://scopes/identity/hpr_number';
const HPR_CLAIM = 'helseid://claims/hpr/hpr_number';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const accounts = config.accounts;

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, title, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html><head><title>${escape(title)}</title></head><body>${body}</body></html>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function startServer() {
  const server = http.createServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    const issuer = `http://127.0.0.1:${port}`;
    const provider = new Provider(issuer, {
      clients: config.clients,
      jwks: { keys: [signingKey] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      findAccount(ctx, id) {
        if (!Object.hasOwn(accounts, id)) return undefined;
        return { accountId: id, claims: () => ({ sub: id, ...accounts[id] }) };
      },
      claims: {
        openid: ['sub', 'pid'],
        profile: ['name'],
        email: ['email', 'email_verified'],
        [HPR_SCOPE]: [HPR_CLAIM],
      },
      scopes: ['openid', 'profile', 'email', HPR_SCOPE],
      // Claims of the granted scopes go into the ID token, as ID-porten and HelseID do.
      conformIdTokenClaims: false,
      acrValues: ACR_VALUES,
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        // Pushed Authorization Requests (RFC 9126), as HelseID requires of new clients.
        pushedAuthorizationRequests: { enabled: config.pushedAuthorizationRequests ?? true },
      },
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: config.idTokenTtlSeconds ?? 600,
        Interaction: 3600,
        Session: 3600,
        Grant: 3600,
      },
      renderError(ctx, out) {
        ctx.type = 'html';
        ctx.body = `<!doctype html><title>error</title><pre id="error">${escape(JSON.stringify(out))}</pre>`;
      },
    });
    provider.on('server_error', (ctx, error) => console.error('server_error', error));

    const handleInteraction = async (req, res, uid, action) => {
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) return page(res, 400, 'mismatch', 'interaction mismatch');
      const { prompt, params, session } = details;
      if (req.method === 'GET') {
        if (prompt.name === 'login') {
          const options = ACR_VALUES.map((v) => `<option value="${v}">${v}</option>`).join('');
          return page(res, 200, 'Sign in', `<form method="post" action="/interaction/${uid}/login">
            <input type="hidden" name="prompt" value="login">
            <input name="login"><select name="acr">${options}</select>
            <button type="submit">Sign in</button></form>`);
        }
        return page(res, 200, 'Consent', `<form method="post" action="/interaction/${uid}/confirm">
          <input type="hidden" name="prompt" value="consent">
          <p>${escape(params.client_id)} asks for ${escape(params.scope)}</p>
          <button type="submit">Allow</button></form>`);
      }
      const form = await readForm(req);
      if (action === 'login' && prompt.name === 'login') {
        const accountId = form.get('login');
        const acr = form.get('acr');
        if (!Object.hasOwn(accounts, accountId) || !ACR_VALUES.includes(acr)) {
          return page(res, 400, 'Sign in', '<p id="error">unknown account or level</p>');
        }
        return provider.interactionFinished(
          req, res, { login: { accountId, acr, amr: ['pwd'] } }, { mergeWithLastSubmission: false },
        );
      }
      if (action === 'confirm' && prompt.name === 'consent') {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const missing = prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      return page(res, 400, 'unexpected', `<p id="error">unexpected ${escape(action)} at ${escape(prompt.name)}</p>`);
    };

    const callback = provider.callback();
    server.on('request', (req, res) => {
      const match = /^\/interaction\/([^/?]+)(?:\/(login|confirm))?(?:\?.*)?$/.exec(req.url);
      if (!match) return callback(req, res);
      return handleInteraction(req, res, match[1], match[2]).catch((error) => {
        page(res, 400, 'interaction error', `<p id="error">${escape(error.message)}</p>`);
      });
    });
    process.stdout.write(`${JSON.stringify({ issuer })}\n`);
  });
  // Stop cleanly when the test fixture closes our stdin or terminates us.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
}

startServer();
