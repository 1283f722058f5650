/**
 * HTTP(S) proxies for downloads, from the environment as curl and most tools read it:
 * `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http URLs (lower case
 * first), and `no_proxy`/`NO_PROXY` for the hosts to reach directly.
 *
 * Node's global `fetch` ignores these variables (Node 20 and 22 have no built-in proxy support
 * for it), so a download through a proxy is done here with `node:http`, `node:https` and
 * `node:tls`: an http URL is requested from the proxy with its absolute URI; an https URL goes
 * through a `CONNECT host:port` tunnel, with TLS to the origin inside it (the proxy sees only the
 * host name, and the certificate is checked against the origin as usual).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import * as tls from 'node:tls';
import type { FetchLike, FetchResponseLike } from './download';

/**
 * The proxy URL to use for `url` under `env`, or `undefined` to connect directly.
 *
 * `no_proxy` is a comma- (or space-) separated list: `*` (no proxy at all), a host name (which
 * also matches its subdomains; a leading `.` or `*.` is allowed), or an IP address, each with an
 * optional `:port`. A proxy given without a scheme (`proxy.example:3128`) is taken as `http://`.
 *
 * @example
 * ```ts
 * proxyFor(new URL('https://example.org/a'), { HTTPS_PROXY: 'http://proxy:3128' }); // URL http://proxy:3128/
 * proxyFor(new URL('https://example.org/a'), { HTTPS_PROXY: 'proxy:3128', NO_PROXY: '.org' }); // undefined
 * ```
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const read = (name: string): string | undefined => {
    const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const setting = url.protocol === 'https:' ? read('https_proxy') : read('http_proxy');
  if (setting === undefined) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of (read('no_proxy') ?? '').split(/[\s,]+/)) {
    if (entry === '') continue;
    if (entry === '*') return undefined;
    // host, host:port, [v6], [v6]:port, or a bare IPv6 address (its colons are not a port).
    const m = isIPv6(entry)
      ? [entry, entry, undefined, undefined]
      : /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry.toLowerCase());
    if (!m) continue;
    const name = (m[1] ?? m[2] ?? '').toLowerCase().replace(/^\*?\./, '');
    if (m[3] !== undefined && m[3] !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(setting) ? setting : `http://${setting}`);
  } catch {
    throw new Error(`the proxy setting ${JSON.stringify(setting)} is not a URL`);
  }
}

/** `Proxy-Authorization` for a proxy URL with user:password, if any. */
function proxyHeaders(proxy: URL): Record<string, string> {
  if (proxy.username === '' && proxy.password === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function requestOf(proxy: URL): typeof http.request {
  return proxy.protocol === 'https:' ? https.request : http.request;
}

/** Wait for a request's response (or its failure). */
function responseOf(req: http.ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Open a `CONNECT` tunnel through `proxy` to the host and port of `url`; resolves with its socket. */
function tunnel(proxy: URL, url: URL, signal: AbortSignal | undefined) {
  const authority = `${url.hostname}:${url.port || '443'}`;
  const req = requestOf(proxy)({
    host: proxy.hostname.replace(/^\[|\]$/g, ''),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers: { Host: authority, ...proxyHeaders(proxy) },
    signal,
  });
  return new Promise<import('node:net').Socket>((resolve, reject) => {
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) {
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(
        new Error(
          `the proxy ${proxy.host} refused the tunnel to ${authority}: HTTP ${res.statusCode}${res.statusMessage ? ` ${res.statusMessage}` : ''}`,
        ),
      );
    });
    req.once('error', (error) =>
      reject(new Error(`cannot reach the proxy ${proxy.host}`, { cause: error })),
    );
    req.end();
  });
}

/** One GET of `url` through `proxy`, without following redirects. */
async function getThrough(
  proxy: URL,
  url: URL,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  if (url.protocol === 'http:') {
    // A plain-HTTP origin: ask the proxy for the absolute URI.
    const req = requestOf(proxy)({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      method: 'GET',
      path: url.href,
      headers: { Host: url.host, ...proxyHeaders(proxy) },
      // One connection per request, closed after it: no idle keep-alive socket holds the
      // process open after the download.
      agent: false,
      signal,
    });
    try {
      return await responseOf(req);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new Error(`cannot reach the proxy ${proxy.host}`, { cause: error });
    }
  }
  const socket = await tunnel(proxy, url, signal);
  let secure: tls.TLSSocket | undefined;
  const req = https.request(url, {
    method: 'GET',
    agent: false,
    signal,
    // TLS to the origin inside the tunnel; the certificate is checked against the origin's name.
    createConnection: () => {
      secure = tls.connect({ socket, servername: url.hostname });
      return secure;
    },
  });
  // The tunnel is this request's alone: once the response is done (or failed), close both
  // layers, or the open tunnel keeps the process alive.
  const close = (): void => {
    secure?.destroy();
    socket.destroy();
  };
  req.once('error', close);
  const res = await responseOf(req);
  res.once('close', close);
  return res;
}

/**
 * A {@link FetchLike} that goes through `proxy` for every request (following up to 10
 * redirects, each re-checked against `no_proxy` by `proxyFor`; a redirect to a host that is not
 * proxied goes to `direct`).
 *
 * @example
 * ```ts
 * const viaProxy = proxiedFetch(fetch);
 * await downloadMnist({ dir: 'data/mnist', fetchImpl: viaProxy });
 * ```
 */
export function proxiedFetch(direct: FetchLike, env: NodeJS.ProcessEnv = process.env): FetchLike {
  return async (href, init) => {
    let url = new URL(href);
    for (let hops = 0; ; hops++) {
      const proxy = proxyFor(url, env);
      if (proxy === undefined) return direct(url.href, init);
      const res = await getThrough(proxy, url, init.signal);
      const location = res.headers.location;
      if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400) {
        res.resume();
        if (location === undefined || hops >= 10)
          throw new Error(`HTTP ${res.statusCode}: too many redirects or no Location`);
        url = new URL(location, url);
        continue;
      }
      const status = res.statusCode ?? 0;
      const response: FetchResponseLike = {
        ok: status >= 200 && status < 300,
        status,
        statusText: res.statusMessage ?? '',
        headers: {
          get: (name) => {
            const v = res.headers[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        body: res,
      };
      if (!response.ok) res.resume();
      return response;
    }
  };
}
