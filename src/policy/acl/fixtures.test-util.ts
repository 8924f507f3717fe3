// Shared fixtures for the ACL tests: a control-plane policy and a cast of devices.

import type { Device } from './types.js';

/** A policy exercising every alias kind; comments name each rule's index. */
export const CONTROL_PLANE_POLICY = `{
  // Weft control plane
  "groups": {
    "group:ops": ["alice@", "bob@"],
    "group:dev": ["carol@"],
  },
  "hosts": {
    "apiserver": "100.64.0.10",
    "office": "192.168.10.0/24",
  },
  "tagOwners": {
    "tag:operator": ["group:ops"],
    "tag:ci": ["group:ops"],
    "tag:workload": ["tag:operator"], // a tag owned by a tag
    "tag:monitor": ["alice@"],
  },
  "acls": [
    /* 0 */ { "action": "accept", "src": ["group:ops"], "dst": ["tag:operator:443"] },
    /* 1 */ { "action": "accept", "src": ["tag:ci"], "dst": ["tag:operator:443"] },
    /* 2 */ { "action": "accept", "src": ["tag:operator"], "dst": ["tag:workload:80,443,8000-8100"] },
    /* 3 */ { "action": "accept", "src": ["autogroup:member"], "dst": ["autogroup:self:*"] },
    /* 4 */ { "action": "accept", "src": ["tag:monitor"], "dst": ["autogroup:tagged:9100"] },
    /* 5 */ { "action": "accept", "src": ["tag:workload"], "dst": ["apiserver:53"], "proto": "udp" },
    /* 6 */ { "action": "accept", "src": ["office"], "dst": ["apiserver:6443"] },
    /* 7 */ { "action": "accept", "src": ["dave@"], "dst": ["*:22"] },
    /* 8 */ { "action": "accept", "src": ["group:dev"], "dst": ["10.20.0.0/16:5432"] },
  ],
  "grants": [
    /* 0 */ { "src": ["group:dev"], "dst": ["tag:operator"], "ip": ["tcp:8443"] },
    /* 1 */ { "src": ["tag:operator"], "dst": ["tag:ci"], "ip": ["*"] },
    /* 2 */ { "src": ["autogroup:tagged"], "dst": ["tag:monitor"], "ip": ["4317"] },
    /* 3 */ { "src": ["*"], "dst": ["tag:operator"], "app": { "weft.dev/cap/admin": [{}] } },
  ],
}`;

const user = (name: string, login: string, ip: string): Device => ({ name, ips: [ip], user: login, tags: [] });
const tagged = (name: string, ip: string, ...tags: string[]): Device => ({ name, ips: [ip], tags });

/** The devices the tests talk about. */
export const D = {
  alice: user('alice-laptop', 'alice', '100.64.1.1'),
  alice2: user('alice-desktop', 'alice', '100.64.1.11'),
  bob: user('bob-laptop', 'bob', '100.64.1.2'),
  carol: user('carol-laptop', 'carol', '100.64.1.3'),
  dave: user('dave-laptop', 'dave', 'fd7a:115c:a1e0::4'),
  /** A CI runner alice registered and tagged: it is tag:ci, not alice. */
  aliceCi: { ...tagged('ci-runner-alice', '100.64.3.1', 'tag:ci'), user: 'alice' },
  /** alice's machine tagged tag:monitor: rules for alice do not apply to it. */
  aliceMonitor: { ...tagged('alice-monitor', '100.64.3.2', 'tag:monitor'), user: 'alice' },
  operator: tagged('weft-operator', '100.64.2.1', 'tag:operator'),
  ci: tagged('ci-runner', '100.64.2.2', 'tag:ci'),
  workload: tagged('train-1', '100.64.2.3', 'tag:workload'),
  workloadCi: tagged('train-ci', '100.64.2.5', 'tag:workload', 'tag:ci'),
  monitor: tagged('prometheus', '100.64.2.4', 'tag:monitor'),
  apiserver: { name: 'kube-apiserver', ips: ['100.64.0.10'], tags: [] },
  officePc: { name: 'office-pc', ips: ['192.168.10.7'], tags: [] },
  db: { name: 'db', ips: ['10.20.3.4'], tags: [] },
  anonymous: { name: '', ips: [], tags: [] },
} satisfies Record<string, Device>;
