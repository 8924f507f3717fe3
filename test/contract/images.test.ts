// The images hack/images/build.sh builds without a container engine must agree with what the
// Dockerfile builds elsewhere: same entrypoint, command, user, working dir, ports and /app files.
// The archives are built (or taken from the cache) and opened here; the Dockerfile is parsed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from './dockerfile-parse.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  User?: string;
  WorkingDir?: string;
  Env?: string[];
  ExposedPorts?: Record<string, object>;
}

/** An OCI archive opened in a temp dir: its config and, per layer, `tar -tv` lines. */
interface OpenedImage {
  config: ImageConfig;
  /** Paths of every layer, without the leading "./". */
  files: Set<string>;
  /** `tar -tvz` lines of every layer, for owners. */
  listing: string[];
  read(path: string): string;
}

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function build(name: string): string {
  try {
    const out = execFileSync('bash', [join(repoRoot, 'hack/images/build.sh'), name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_500_000 });
    return out.trim().split(' ')[2]!;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`hack/images/build.sh ${name} failed (it needs root, mmdebstrap, umoci, gcc: hack/install-deps.sh installs them; operator needs npm run build):\n${stderr.slice(-2000)}`);
  }
}

function open(archive: string): OpenedImage {
  const dir = mkdtempSync(join(tmpdir(), 'weft-image-'));
  tmp.push(dir);
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  const blob = (digest: string) => join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
  const config = (JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as { config: ImageConfig }).config;
  const listing = manifest.layers.flatMap((l) => execFileSync('tar', ['-tvzf', blob(l.digest)], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n').filter(Boolean));
  const files = new Set(manifest.layers.flatMap((l) => execFileSync('tar', ['-tzf', blob(l.digest)], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n').filter(Boolean).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''))));
  const read = (path: string) => {
    for (const l of [...manifest.layers].reverse()) {
      try {
        return execFileSync('tar', ['-xzOf', blob(l.digest), `./${path}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        // not in this layer
      }
    }
    throw new Error(`${path} is in no layer`);
  };
  return { config, files, listing, read };
}

describe('the operator image from hack/images agrees with the Dockerfile', () => {
  const df = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const final = df.stages.at(-1)!;
  const last = (k: string) => final.instructions.filter((i) => i.keyword === k).at(-1);
  let image: OpenedImage;

  beforeAll(() => {
    image = open(build('operator'));
  }, 1_500_000);

  it('has the same entrypoint, command, user, working dir and ports', () => {
    expect(image.config.Entrypoint).toEqual(last('ENTRYPOINT')?.json);
    expect(image.config.Cmd).toEqual(last('CMD')?.json);
    expect(image.config.User).toBe(last('USER')?.args);
    expect(image.config.WorkingDir).toBe(last('WORKDIR')?.args);
    const exposed = last('EXPOSE')!.args.split(/\s+/).map((p) => (p.includes('/') ? p : `${p}/tcp`));
    expect(Object.keys(image.config.ExposedPorts ?? {}).sort()).toEqual(exposed.sort());
    expect(image.config.Env).toContain('NODE_ENV=production');
  });

  it('has exactly the files the Dockerfile copies into /app, owned by root', () => {
    const destinations = final.instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((c) => {
        const words = c.args.split(/\s+/);
        const dest = words.at(-1)!;
        // `COPY a b ./` copies each source into the dir; `COPY x ./y` names the destination.
        return dest.endsWith('/') && words.length > 2 || dest === './' ? words.slice(0, -1).map((w) => w.replace(/\/$/, '').split('/').at(-1)!) : [dest.replace(/^\.\//, '').replace(/\/$/, '')];
      });
    const topLevel = [...image.files].filter((p) => /^app\/[^/]+$/.test(p)).map((p) => p.slice(4));
    expect(topLevel.sort()).toEqual([...new Set(destinations)].sort());
    const appEntries = image.listing.filter((l) => / \.\/app\//.test(l));
    expect(appEntries.length).toBeGreaterThan(100);
    expect(appEntries.filter((l) => !/ 0\/0 /.test(l))).toEqual([]);
  });

  it('runs bin/weft.js with Node from our node dependency, as the user weft (65532)', () => {
    expect(image.files.has('app/bin/weft.js')).toBe(true);
    expect(image.files.has('app/dist/src/cli/main.js')).toBe(true);
    expect(image.files.has('usr/local/bin/node')).toBe(true);
    expect(image.read('etc/passwd')).toMatch(/^weft:x:65532:65532:.*:\/nonexistent:\/usr\/sbin\/nologin$/m);
  });

  it('has production dependencies only (the Dockerfile: npm ci --omit=dev)', () => {
    expect(image.files.has('app/node_modules/fastify')).toBe(true);
    expect(image.files.has('app/node_modules/@kubernetes/client-node')).toBe(true);
    for (const dev of ['typescript', 'jest', 'eslint', 'node', 'vite']) expect(image.files.has(`app/node_modules/${dev}`)).toBe(false);
  });
});

describe('the runner and pause images', () => {
  it('runner: Node 24, git, bash, coreutils and python3, as the user runner (1000)', () => {
    const image = open(build('runner'));
    for (const f of ['usr/local/bin/node', 'usr/bin/git', 'usr/bin/bash', 'usr/bin/env', 'usr/bin/python3']) expect(image.files.has(f)).toBe(true);
    expect(image.config.User).toBe('1000:1000');
    expect(image.read('etc/passwd')).toMatch(/^runner:x:1000:1000:/m);
  }, 1_500_000);

  it('pause: one static binary, run as 65535', () => {
    const image = open(build('pause'));
    expect([...image.files].filter((f) => f !== '.' && f !== '')).toEqual(['pause']);
    expect(image.config.Entrypoint).toEqual(['/pause']);
    expect(image.config.User).toBe('65535:65535');
  }, 600_000);
});
