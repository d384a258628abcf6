import type { IncomingMessage } from 'node:http';
import { HttpError, type Principal } from './router';
import type { GitHubStore } from './store';

/**
 * Who a request acts as, from its `Authorization` header: the app (a JWT: decoded, signature not verified, so any RSA
 * key works), an installation's bot (a token the stand-in issued), a user (a `userToken`), or, unless `strictAuth`,
 * the bot for any other token.
 */
export function resolvePrincipal(req: IncomingMessage, store: GitHubStore, strictAuth: boolean): Principal | HttpError {
  const header = req.headers.authorization;
  if (!header) return { kind: 'anonymous' };
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header);
  if (!m) return new HttpError(401, 'Bad credentials');
  const token = m[1]!;
  if (/^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token)) {
    // A JWT: the app. Signatures are not verified (any RSA key works), but it must decode and name an issuer.
    try {
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        iss?: unknown;
        exp?: number;
      };
      if (claims.iss === undefined) return new HttpError(401, "'Issuer' claim ('iss') must be an Integer");
      if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now() - 60_000) {
        return new HttpError(
          401,
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
        );
      }
    } catch {
      return new HttpError(401, 'A JSON web token could not be decoded');
    }
    return { kind: 'app' };
  }
  const inst = store.identity.tokenInfo(token);
  if (inst) {
    const installation = store.identity.installations.get(inst.installationId);
    if (!installation || installation.removed || inst.expiresAt < Date.now())
      return new HttpError(401, 'Bad credentials');
    return { kind: 'installation', installation, account: store.bot };
  }
  const user = store.identity.userForToken(token);
  if (user) return { kind: 'user', account: user };
  if (strictAuth) return new HttpError(401, 'Bad credentials');
  return { kind: 'any-token', account: store.bot };
}
