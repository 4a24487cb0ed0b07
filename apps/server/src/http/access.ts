import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { type AccessConfig, isLoopbackHost } from '../config';

/**
 * Who may talk to the server. Three checks, for REST and socket.io alike:
 * - the Host header: a server bound to loopback answers only to loopback names, so a web page
 *   cannot reach it through DNS rebinding (evil.example resolving to 127.0.0.1);
 * - the Origin header: a browser page from another origin may neither open a socket nor write;
 * - the token, when one is required (always when bound beyond loopback).
 */

/** The cookie that carries the token for the dashboard; per port, so two servers on one host do not clash. */
export const tokenCookie = (port: number | undefined) => `eolab_token_${port ?? 0}`;

function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
}

export function hostAllowed(host: string | undefined, access: AccessConfig): boolean {
  if (!access.loopbackOnly) return true;
  if (host === undefined) return false;
  return isLoopbackHost(hostnameOf(host)) || access.allowedOrigins.some((o) => new URL(o).host === host);
}

/** No Origin (a non-browser client, or a same-origin GET) is allowed; otherwise the page's own origin or the allow-list. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  access: AccessConfig,
): boolean {
  if (origin === undefined) return true;
  if (access.allowedOrigins.includes(origin)) return true;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A cookie's value; a malformed one (`%`, a lone surrogate) is no value, never an exception. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeSafely(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeSafely(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Where the token's redirect goes: the same path on this server. A path such as `/.//evil.example/`
 * normalises to `//evil.example/`, which a browser reads as another host: leading slashes collapse.
 */
export function sameOriginPath(originalUrl: string): string {
  let url: URL;
  try {
    url = new URL(originalUrl, 'http://x');
  } catch {
    return '/';
  }
  url.searchParams.delete('token');
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}

/** The token a request carries: `Authorization: Bearer`, the dashboard's cookie, or `auth.token` (sockets). */
export function tokenOf(req: IncomingMessage, extra?: unknown): string | undefined {
  if (typeof extra === 'string') return extra;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  return cookieValue(req.headers.cookie, tokenCookie(req.socket.localPort));
}

export function tokenValid(access: AccessConfig, req: IncomingMessage, extra?: unknown): boolean {
  return access.token === null || sameToken(tokenOf(req, extra), access.token);
}

const MISSING_TOKEN_PAGE = `<!doctype html><meta charset="utf-8"><title>Exactly-Once Lab: token needed</title>
<p>This Exactly-Once Lab server needs its access token. Open the address the server printed when it
started (it ends in <code>?token=…</code>), or ask whoever runs it for that address.</p>`;

/** Wrong-token attempts per address (transport-limits.ts): guessing the token is slowed to a few a minute. */
export interface TokenAttempts {
  tokenLockedOut(address: string): boolean;
  wrongToken(address: string): void;
  lockedOutMessage(): string;
  readonly lockoutRetryAfterSeconds: number;
}

/** Express middleware: host, origin (for writes) and token checks, before anything else runs. */
export function guardRequests(access: AccessConfig, attempts?: TokenAttempts) {
  return (req: Request, res: Response, next: NextFunction) => {
    const api = req.path.startsWith('/api');
    const refuse = (status: number, error: string) =>
      api || status !== 401
        ? res.status(status).json({ error })
        : res.status(401).type('html').send(MISSING_TOKEN_PAGE);
    if (!hostAllowed(req.headers.host, access)) {
      return refuse(403, `host: this server answers only to loopback addresses, not '${req.headers.host}'`);
    }
    const write = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    if (write && !originAllowed(req.headers.origin, req.headers.host, access)) {
      return refuse(403, `origin: requests from ${req.headers.origin} are not allowed`);
    }
    if (access.token === null) return next();
    const address = req.socket.remoteAddress ?? 'unknown';
    // An address that kept sending wrong tokens is refused unread for a while, right ones included:
    // otherwise the lockout would still answer each guess.
    if (attempts?.tokenLockedOut(address)) {
      res.setHeader('Retry-After', String(attempts.lockoutRetryAfterSeconds));
      return refuse(429, attempts.lockedOutMessage());
    }
    if (tokenValid(access, req)) return next();
    // Opening the dashboard with ?token=… stores the token in a cookie and drops it from the address.
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (fromQuery !== undefined && req.method === 'GET' && sameToken(fromQuery, access.token)) {
      res.cookie(tokenCookie(req.socket.localPort), fromQuery, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
      });
      return res.redirect(303, sameOriginPath(req.originalUrl));
    }
    if (tokenOf(req) !== undefined || fromQuery !== undefined) attempts?.wrongToken(address);
    // A cookie from an earlier start (a generated token changes each start) is dropped, so a
    // dashboard left open does not spend its address's wrong-token attempts on every request.
    if (cookieValue(req.headers.cookie, tokenCookie(req.socket.localPort)) !== undefined)
      res.clearCookie(tokenCookie(req.socket.localPort), { path: '/' });
    return refuse(401, 'token: this server requires its access token (Authorization: Bearer …)');
  };
}
