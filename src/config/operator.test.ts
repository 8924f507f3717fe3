import { FlagError } from './errors.js';
import { parseListenAddr } from './addr.js';
import { defaultFeatureGates, formatFeatureGates, parseFeatureGates } from './features.js';
import { CONTROLLER_NAMES, parseControllers, parseOperatorConfig } from './operator.js';

describe('parseListenAddr', () => {
  it.each([
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['localhost:9443', { host: 'localhost', port: 9443 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
  ])('parses %s', (input, want) => expect(parseListenAddr('--http-addr', input)).toEqual(want));

  it.each([
    ['8080', /not an address/],
    ['host:', /not an address/],
    [':99999', /port 99999 .* out of range/],
    ['::1:80', /not an address/],
    ['', /not an address/],
  ])('rejects %j naming the flag', (input, why) => {
    expect(() => parseListenAddr('--http-addr', input)).toThrow(FlagError);
    expect(() => parseListenAddr('--http-addr', input)).toThrow(/--http-addr/);
    expect(() => parseListenAddr('--http-addr', input)).toThrow(why);
  });
});

describe('parseFeatureGates', () => {
  it('starts from the defaults and applies overrides', () => {
    expect(parseFeatureGates('')).toEqual(defaultFeatureGates());
    expect(parseFeatureGates('AgentTasks=true, Jobs=TRUE,MeshACL=false')).toEqual({ AgentTasks: true, Jobs: true, MeshACL: false });
  });

  it.each([
    ['Nope=true', /unrecognized feature gate "Nope"; known gates: AgentTasks, Jobs, MeshACL/],
    ['AgentTasks', /missing "=true" or "=false"/],
    ['AgentTasks=yes', /gate AgentTasks has value "yes"; use true or false/],
  ])('rejects %s with the allowed values', (input, why) => {
    expect(() => parseFeatureGates(input)).toThrow(why);
  });

  it('formats gates sorted, in flag syntax', () => {
    expect(formatFeatureGates(parseFeatureGates('Jobs=true,AgentTasks=false'))).toBe('AgentTasks=false,Jobs=true,MeshACL=true');
  });
});

describe('parseOperatorConfig', () => {
  it('fills in the documented defaults', () => {
    expect(parseOperatorConfig({}, {})).toEqual({
      kubeconfig: undefined,
      http: { host: '0.0.0.0', port: 8080 },
      webhook: { host: '0.0.0.0', port: 9443 },
      logLevel: 'info',
      logFormat: 'json',
      featureGates: defaultFeatureGates(),
      namespace: 'weft-system',
      leaderElect: true,
      mesh: { mode: 'none', configPath: undefined, policyPath: undefined, self: 'weft-operator' },
      httpTls: false,
      webhooks: { serve: false, url: undefined, service: undefined, configName: 'weft' },
      controllers: new Set(['meshnode', 'orgcluster', 'workload', 'agenttask', 'job']),
      agents: { image: 'localhost/weft-agent:dev', gatewayUrl: 'http://weft-operator.weft-system.svc:8080' },
    });
  });

  it('agent flags: the gateway URL follows the namespace; a bad URL names the flag', () => {
    expect(parseOperatorConfig({ namespace: 'ops' }, {}).agents.gatewayUrl).toBe('http://weft-operator.ops.svc:8080');
    expect(parseOperatorConfig({ agentGatewayUrl: 'http://10.0.0.1:8080', agentImage: 'reg/agent:1' }, {}).agents).toEqual({ image: 'reg/agent:1', gatewayUrl: 'http://10.0.0.1:8080' });
    // The operator's Radicle identity: --radicle-home (else WEFT_RADICLE_HOME), its passphrase from RAD_PASSPHRASE.
    expect(parseOperatorConfig({ radicleHome: '/rad' }, { RAD_PASSPHRASE: 'pw' }).agents.radicle).toEqual({ radHome: '/rad', passphrase: 'pw' });
    expect(parseOperatorConfig({}, { WEFT_RADICLE_HOME: '/env-rad' }).agents.radicle).toEqual({ radHome: '/env-rad' });
    expect(() => parseOperatorConfig({ radicleHome: ' ' }, {})).toThrow(/--radicle-home.*is empty/);
    expect(() => parseOperatorConfig({ agentGatewayUrl: 'weft-operator:8080' }, {})).toThrow(/--agent-gateway-url/);
  });

  it.each([
    [{ webhookUrl: 'auto' }, { serve: true, url: 'auto' }],
    [{ webhookUrl: 'https://10.0.0.1:9443' }, { serve: true, url: 'https://10.0.0.1:9443' }],
    [{ webhookService: 'weft-operator' }, { serve: true, service: 'weft-operator' }],
    [{ webhooks: true }, { serve: true }],
  ])('webhook flags %o → %o', (flags, want) => expect(parseOperatorConfig(flags, {}).webhooks).toMatchObject(want));

  it.each([
    [{ webhookUrl: 'http://x:1' }, '--webhook-url', 'must use https'],
    [{ webhookUrl: 'not a url' }, '--webhook-url', 'is not a URL'],
    [{ webhookUrl: 'auto', webhookService: 'svc' }, '--webhook-url', 'not both'],
    [{ webhookService: 'Bad_Name' }, '--webhook-service', 'not a Service name'],
    [{ webhookConfigName: 'UPPER' }, '--webhook-config-name', 'not a valid object name'],
  ])('bad webhook flags %o are refused naming %s', (flags, flag, message) => {
    expect(() => parseOperatorConfig(flags, {})).toThrow(flag);
    expect(() => parseOperatorConfig(flags, {})).toThrow(message);
  });

  it('--shard: a label selector; each shard gets its own webhook configurations unless named', () => {
    const cfg = parseOperatorConfig({ shard: 'weft.dev/canary=true', webhookService: 'weft-operator' }, {});
    expect(cfg.shard?.matches({ 'weft.dev/canary': 'true' })).toBe(true);
    expect(cfg.webhooks.configName).toBe(`weft-shard-${cfg.shard!.id()}`);
    expect(parseOperatorConfig({ shard: 'weft.dev/canary!=true', webhookConfigName: 'stable' }, {}).webhooks.configName).toBe('stable');
    expect(parseOperatorConfig({}, {}).shard).toBeUndefined();
    expect(() => parseOperatorConfig({ shard: 'weft.dev/canary=true true' }, {})).toThrow(/--shard: label selector "weft.dev\/canary=true true": cannot parse/);
  });

  it('takes the namespace from --namespace, else $POD_NAMESPACE', () => {
    expect(parseOperatorConfig({ namespace: 'ops' }, { POD_NAMESPACE: 'x' }).namespace).toBe('ops');
    expect(parseOperatorConfig({}, { POD_NAMESPACE: 'x' }).namespace).toBe('x');
  });

  it('takes --kubeconfig over $KUBECONFIG, and $KUBECONFIG over in-cluster', () => {
    expect(parseOperatorConfig({ kubeconfig: '/a' }, { KUBECONFIG: '/b' }).kubeconfig).toBe('/a');
    expect(parseOperatorConfig({}, { KUBECONFIG: '/b' }).kubeconfig).toBe('/b');
  });

  it.each([
    [{ logLevel: 'loud' }, /--log-level: "loud" is not allowed; use one of: trace, debug, info, warn, error, fatal, silent/],
    [{ logFormat: 'xml' }, /--log-format: "xml" is not allowed; use one of: json, pretty/],
    [{ webhookAddr: 'x' }, /--webhook-addr/],
    [{ kubeconfig: ' ' }, /--kubeconfig: path is empty/],
    [{ mesh: 'tailscale' }, /--mesh: "tailscale" is not allowed; use one of: none, stub, headscale/],
    [{ namespace: 'Weft_System' }, /--namespace: "Weft_System" is not a valid namespace name/],
  ])('rejects %j', (flags, why) => expect(() => parseOperatorConfig(flags, {})).toThrow(why));
});

describe('--controllers', () => {
  it.each([
    [undefined, ['agenttask', 'job', 'meshnode', 'orgcluster', 'workload']],
    ['*', ['agenttask', 'job', 'meshnode', 'orgcluster', 'workload']],
    ['workload', ['workload']],
    ['meshnode, workload', ['meshnode', 'workload']],
    ['*,-orgcluster', ['agenttask', 'job', 'meshnode', 'workload']],
  ])('%s → %j', (value, names) => expect([...parseControllers(value)].sort()).toEqual(names));

  it('names the flag and the known controllers for an unknown one', () => {
    expect(() => parseControllers('workloads')).toThrow(FlagError);
    expect(() => parseControllers('workloads')).toThrow(/--controllers.*"workloads".*meshnode, orgcluster, workload/);
    expect(() => parseControllers(',')).toThrow(/--controllers/);
  });

  it('knows every controller the operator registers', async () => {
    const { CONTROLLERS } = await import('../operator/controllers.js');
    expect(CONTROLLERS.map((c) => c.name).sort()).toEqual([...CONTROLLER_NAMES].sort());
  });
});
