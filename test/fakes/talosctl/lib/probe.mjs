// What the fake knows about a fake cluster: the provisioner state it wrote (state.yaml) and the
// real control plane behind it (weft's state.json), and probes of that control plane.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

/** The running fake cluster in `home` (`<state>/<name>`), or undefined when it is not running. */
export function weftState(home) {
  const stateYaml = join(home, 'state.yaml');
  const stateJson = join(home, 'cluster', 'state.json');
  if (!existsSync(stateYaml) || !existsSync(stateJson)) return undefined;
  const cp = JSON.parse(readFileSync(stateJson, 'utf8'));
  if (!alive(cp.ownerPid)) return undefined;
  const info = parse(readFileSync(stateYaml, 'utf8')).clusterinfo;
  return {
    ...cp,
    clusterName: info.clustername,
    nodes: info.nodes.map((n) => ({ name: n.name, type: n.type, ip: n.ips[0] })),
  };
}

function get(url, opts = {}) {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? https : http).get(url, { timeout: 5000, ...opts }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)));
    req.on('error', (e) => resolve({ error: e.message.startsWith('Get "') ? e.message : `Get "${url}": ${e.message}` }));
  });
}

/** etcd's /health says `"health":"true"`. */
export async function etcdHealthy(cp) {
  const r = await get(`${cp.etcdUrl}/health`);
  return r.status === 200 && /"health":\s*"true"/.test(r.body);
}

/** GET /readyz with the admin kubeconfig's credentials: true, or the error talosctl would print. */
export async function apiReady(cp) {
  const kc = parse(readFileSync(cp.kubeconfig, 'utf8'));
  const b = (s) => Buffer.from(s, 'base64');
  const r = await get(`${cp.server}/readyz`, {
    ca: b(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b(kc.users[0].user['client-certificate-data']),
    key: b(kc.users[0].user['client-key-data']),
  });
  if (r.status === 200) return true;
  return r.error ?? `Get "${cp.server}/readyz": status ${r.status}: ${r.body.trim().split('\n').pop()}`;
}
