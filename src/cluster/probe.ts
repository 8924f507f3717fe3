import { request, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface TlsClient {
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** One HTTPS GET with a client certificate or token; resolves with status and body. */
export function httpsGet(url: string, tls: TlsClient, timeoutMs = 5000): Promise<ProbeResult> {
  return get(request, url, {
    ca: tls.caPem,
    cert: tls.certPem,
    key: tls.keyPem,
    headers: tls.token ? { authorization: `Bearer ${tls.token}` } : {},
  }, timeoutMs);
}

/** One plain HTTP GET (loopback health endpoints such as etcd's). */
export function httpGet(url: string, timeoutMs = 5000): Promise<ProbeResult> {
  return get(httpRequest, url, {}, timeoutMs);
}

function get(send: typeof request, url: string, options: RequestOptions, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const req = send(url, { ...options, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}
