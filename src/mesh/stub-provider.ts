import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { deviceByIp, type MeshDevice, type MeshProvider } from './provider.js';

/** The stub mesh file: a static device list and a policy (`weft up --mesh=stub`). */
export interface StubMeshFile {
  devices: MeshDevice[];
  policy: string;
}

/** A built-in stub for the quickstart: an operator device, two workers and an untagged laptop. */
export const DEFAULT_STUB: StubMeshFile = {
  devices: [
    { id: '1', name: 'weft-operator', ips: ['100.64.0.1'], user: '', tags: ['tag:operator'], online: true },
    { id: '2', name: 'worker-1', ips: ['100.64.0.2'], user: '', tags: ['tag:workload'], online: true },
    { id: '3', name: 'worker-2', ips: ['100.64.0.3'], user: '', tags: ['tag:workload'], online: true },
    { id: '4', name: 'laptop', ips: ['100.64.0.4'], user: 'alice', tags: [], online: true },
  ],
  policy: `{
  "groups": { "group:ops": ["alice@"] },
  "tagOwners": { "tag:operator": ["group:ops"], "tag:workload": ["tag:operator"] },
  "acls": [
    { "action": "accept", "src": ["tag:operator"], "dst": ["*:*"] },
    { "action": "accept", "src": ["group:ops"], "dst": ["tag:operator:8080"] },
  ],
}`,
};

/**
 * A static mesh: no tailnet, a device list and a policy from a YAML/JSON file (or the built-in
 * default). Documented as a stub: it proves nothing about reachability.
 */
export class StubProvider implements MeshProvider {
  readonly kind = 'stub' as const;
  constructor(private readonly data: StubMeshFile = DEFAULT_STUB) {}

  static async fromFile(path: string): Promise<StubProvider> {
    const data = parse(await readFile(path, 'utf8')) as Partial<StubMeshFile>;
    if (!Array.isArray(data.devices)) throw new Error(`${path}: "devices" must be a list of {id, name, ips, user, tags, online}`);
    if (typeof data.policy !== 'string') throw new Error(`${path}: "policy" must be the HuJSON policy as a string`);
    return new StubProvider({ devices: data.devices, policy: data.policy });
  }

  async listDevices(): Promise<MeshDevice[]> {
    return this.data.devices;
  }

  async whois(ip: string): Promise<MeshDevice | undefined> {
    return deviceByIp(this.data.devices, ip);
  }

  async policy(): Promise<string> {
    return this.data.policy;
  }
}
