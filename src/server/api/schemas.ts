/** JSON Schemas of the read API (`/api/v1/...`), shared by fastify validation and /openapi.json. */
const resources = {
  type: 'object',
  description: 'CPU (cores), memory (Kubernetes quantity) and GPU count.',
  properties: {
    cpu: { type: 'string', examples: ['8', '7500m'] },
    memory: { type: 'string', examples: ['32Gi'] },
    gpus: { type: 'integer', minimum: 0 },
  },
} as const;

const condition = {
  type: 'object',
  required: ['type', 'status'],
  properties: { type: { type: 'string' }, status: { type: 'string', enum: ['True', 'False', 'Unknown'] }, reason: { type: 'string' }, message: { type: 'string' } },
} as const;

export const nodeSchema = {
  $id: 'Node',
  type: 'object',
  description: 'A MeshNode as the API shows it.',
  required: ['name', 'org', 'tags', 'ready', 'unschedulable', 'conditions'],
  properties: {
    name: { type: 'string' },
    org: { type: 'string' },
    hostname: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    ready: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    unschedulable: { type: 'boolean' },
    heartbeatAgeSeconds: { type: ['number', 'null'] },
    capacity: resources,
    allocatable: resources,
    allocated: resources,
    tailnet: { type: 'object', additionalProperties: true },
    conditions: { type: 'array', items: condition },
  },
} as const;

export const clusterSchema = {
  $id: 'Cluster',
  type: 'object',
  description: 'An OrgCluster as the API shows it.',
  required: ['namespace', 'name', 'org', 'provider', 'ready', 'reachable', 'conditions'],
  properties: {
    namespace: { type: 'string' },
    name: { type: 'string' },
    org: { type: 'string' },
    provider: { type: 'string' },
    ready: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reachable: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    apiServerURL: { type: 'string' },
    kubernetesVersion: { type: 'string' },
    nodes: { type: 'integer' },
    capacity: resources,
    allocatable: resources,
    conditions: { type: 'array', items: condition },
  },
} as const;

export const capacityEntrySchema = {
  $id: 'CapacityEntry',
  type: 'object',
  required: ['name', 'capacity', 'allocated', 'free'],
  properties: { name: { type: 'string' }, org: { type: 'string' }, capacity: resources, allocated: resources, free: resources },
} as const;

export const capacitySchema = {
  type: 'object',
  required: ['nodes', 'clusters', 'totals'],
  properties: {
    nodes: { type: 'array', items: { $ref: 'CapacityEntry#' } },
    clusters: { type: 'array', items: { $ref: 'CapacityEntry#' } },
    totals: { type: 'object', required: ['capacity', 'allocated', 'free'], properties: { capacity: resources, allocated: resources, free: resources } },
  },
} as const;

export const podSchema = {
  $id: 'Pod',
  type: 'object',
  required: ['cluster', 'namespace', 'name', 'phase'],
  properties: {
    cluster: { type: 'string', description: 'OrgCluster as namespace/name.' },
    org: { type: 'string' },
    namespace: { type: 'string' },
    name: { type: 'string' },
    phase: { type: 'string' },
    node: { type: 'string' },
    startTime: { type: 'string' },
  },
} as const;

export const podsReplySchema = {
  type: 'object',
  required: ['items', 'errors'],
  properties: {
    items: { type: 'array', items: { $ref: 'Pod#' } },
    errors: {
      type: 'array',
      description: 'Clusters that could not be listed, with the cause.',
      items: { type: 'object', required: ['cluster', 'message'], properties: { cluster: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;
