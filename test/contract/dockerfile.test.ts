// The image contract, checked statically (no container engine here): the Dockerfile is parsed and
// the final image modelled. The real Dockerfile must pass; mutated copies and bad Dockerfiles must
// each produce the problem they introduce, so a check cannot pass by checking nothing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkDockerfile,
  checkDockerignore,
  expandSource,
  isIgnored,
  parseDockerfile,
  parseDockerignore,
  substitute,
} from './dockerfile-parse.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');

const tmpDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-dockerfile-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

describe('the repository Dockerfile', () => {
  it('meets the image contract', () => {
    expect(checkDockerfile(dockerfile, repoRoot)).toEqual([]);
  });

  it('.dockerignore keeps node_modules, dist, reports and .git out of the context', () => {
    expect(checkDockerignore(dockerignore)).toEqual([]);
  });

  it('builds in stages and runs `node /app/bin/weft.js operator` as UID 65532 on Node 24 slim', () => {
    const df = parseDockerfile(dockerfile);
    expect(df.stages.length).toBeGreaterThanOrEqual(2);
    const final = df.stages[df.stages.length - 1];
    expect(final?.base).toMatch(/^node:24[.\d]*-bookworm-slim/);
    const by = (k: string) => final?.instructions.filter((i) => i.keyword === k) ?? [];
    expect(by('USER').at(-1)?.args).toBe('65532:65532');
    expect(by('WORKDIR').at(-1)?.args).toBe('/app');
    expect(by('ENTRYPOINT').at(-1)?.json).toEqual(['node', '/app/bin/weft.js']);
    expect(by('CMD').at(-1)?.json).toEqual(['operator']);
    // Only what the operator runs: no sources, tests or dev tools.
    const copied = by('COPY').map((c) => `${c.flags.from?.[0] ?? 'context'}: ${c.args}`);
    expect(copied).toEqual([
      'context: package.json package-lock.json ./',
      'deps: /app/node_modules ./node_modules',
      'build: /app/dist ./dist',
      'context: bin/ ./bin/',
      'context: crds/ ./crds/',
    ]);
  });

  describe('a copy edited in a temp dir fails the check', () => {
    // Each mutation must apply (so a changed Dockerfile cannot make these tests vacuous) and must
    // produce a problem matching `expected`.
    const mutations: [string, RegExp | string, string, RegExp][] = [
      ['USER removed', /^USER .*\n/m, '', /sets no USER/],
      ['USER root', /^USER .*$/m, 'USER root', /runs as root/],
      ['USER 0:0', /^USER .*$/m, 'USER 0:0', /runs as root/],
      ['named USER', /^USER .*$/m, 'USER weft', /not numeric/],
      ['final base node:20', /^FROM \$\{NODE_IMAGE\} AS runtime$/m, 'FROM node:20-bookworm-slim AS runtime', /not Node 24 slim/],
      ['final base not slim', /^FROM \$\{NODE_IMAGE\} AS runtime$/m, 'FROM node:24-bookworm AS runtime', /not Node 24 slim/],
      ['final stage FROM the build stage', /^FROM \$\{NODE_IMAGE\} AS runtime$/m, 'FROM build AS runtime', /final stage installs dev dependencies/],
      ['shell-form ENTRYPOINT', /^ENTRYPOINT .*$/m, 'ENTRYPOINT node /app/bin/weft.js', /shell form/],
      ['ENTRYPOINT runs another script', /^ENTRYPOINT .*$/m, 'ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]', /not bin\/weft\.js/],
      ['CMD is not operator', /^CMD .*$/m, 'CMD ["up"]', /not "weft operator"/],
      ['CMD removed', /^CMD .*\n/m, '', /not "weft operator"/],
      ['bin/ not copied', /^COPY bin\/ .*\n/m, '', /not the repository's bin\/weft\.js/],
      ['bin/ copied elsewhere', /^COPY bin\/ \.\/bin\/$/m, 'COPY bin/ ./scripts/', /not the repository's bin\/weft\.js/],
      ['dist from the context', /^COPY --from=build \/app\/dist \.\/dist$/m, 'COPY dist/ ./dist/', /build output from the build context/],
      ['dist not copied', /^COPY --from=build \/app\/dist .*\n/m, '', /no \/app\/dist/],
      ['a COPY source missing from the repo', /^COPY crds\/ \.\/crds\/$/m, 'COPY crds/ ./crds/\nCOPY no-such-dir/ ./no-such-dir/', /no-such-dir\/ does not exist in the repository/],
      ['node_modules from an unpruned stage', /--from=deps \/app\/node_modules/, '--from=build /app/node_modules', /includes dev dependencies/],
      ['deps stage installs dev deps', /npm ci --omit=dev --ignore-scripts/, 'npm ci --ignore-scripts', /includes dev dependencies/],
      ['npm ci in the final stage', /^USER .*$/m, 'RUN npm ci --include=dev\nUSER 65532:65532', /final stage installs dev dependencies \(npm ci --include=dev\)/],
      ['NODE_ENV overridden for npm ci in the final stage', /^USER .*$/m, 'RUN NODE_ENV=development npm ci\nUSER 65532:65532', /final stage installs dev dependencies/],
      ['unknown --from stage', /--from=build \/app\/dist/, '--from=biuld /app/dist', /--from=biuld names no stage/],
      ['EXPOSE removed', /^EXPOSE .*\n/m, '', /does not EXPOSE 8080/],
      ['single stage', /^FROM \$\{NODE_IMAGE\} AS (deps|build)\n[\s\S]*?(?=^FROM \$\{NODE_IMAGE\} AS runtime)/gm, '', /not a multi-stage build/],
    ];
    it.each(mutations)('%s', (_name, pattern, replacement, expected) => {
      const dir = tempDir();
      const path = join(dir, 'Dockerfile');
      const edited = dockerfile.replace(pattern, replacement);
      expect(edited).not.toBe(dockerfile);
      writeFileSync(path, edited);
      const problems = checkDockerfile(readFileSync(path, 'utf8'), repoRoot);
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    });
  });
});

describe('checkDockerfile on bad Dockerfiles', () => {
  // A minimal repository for the build context.
  let repo: string;
  beforeAll(() => {
    repo = tempDir();
    for (const [file, text] of Object.entries({
      'package.json': '{"name":"weft","type":"module"}',
      'package-lock.json': '{}',
      'tsconfig.json': '{}',
      'src/main.ts': '',
      'bin/weft.js': '',
      'crds/weft.dev_workloads.yaml': '',
      '.dockerignore': 'node_modules\n**/node_modules\ndist\nreports\n.git\n',
    })) {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      writeFileSync(join(repo, file), text);
    }
  });

  const build = `FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src/ ./src/
RUN npm run build \\
 && npm prune --omit=dev
`;
  const runtime = `FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title=weft org.opencontainers.image.licenses=Apache-2.0
WORKDIR /app
COPY package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY crds ./crds
USER 65532
EXPOSE 8080 9443
ENTRYPOINT ["node", "bin/weft.js"]
CMD ["operator"]
`;
  const good = build + runtime;

  it('a good Dockerfile (prune in the build stage, relative paths) passes', () => {
    expect(checkDockerfile(good, repo)).toEqual([]);
  });

  const bad: [string, string, RegExp][] = [
    ['empty', '', /not a multi-stage build \(0 FROM\)/],
    ['unparseable', 'RUN echo before FROM\nFROM node:24-slim\n', /does not parse/],
    ['single stage', runtime, /not a multi-stage build \(1 FROM\)/],
    ['alpine base', build + runtime.replace('FROM node:24-bookworm-slim', 'FROM node:24-alpine'), /not Node 24 slim/],
    ['untagged base', build + runtime.replace('FROM node:24-bookworm-slim', 'FROM node'), /not Node 24 slim/],
    ['no USER', build + runtime.replace('USER 65532\n', ''), /sets no USER/],
    ['USER 0', build + runtime.replace('USER 65532', 'USER 0'), /USER 0 runs as root/],
    ['USER root:root', build + runtime.replace('USER 65532', 'USER root:root'), /runs as root/],
    ['root group', build + runtime.replace('USER 65532', 'USER 65532:0'), /root group/],
    ['USER set back to root at the end', `${good}USER root\n`, /USER root runs as root/],
    ['no ENTRYPOINT', build + runtime.replace(/^ENTRYPOINT .*\n/m, ''), /no ENTRYPOINT/],
    ['ENTRYPOINT not node', build + runtime.replace('["node", "bin/weft.js"]', '["/app/bin/weft.js"]'), /runs \/app\/bin\/weft\.js, not node/],
    ['CMD with extra args', build + runtime.replace('["operator"]', '["operator", "--debug"]'), /"weft operator --debug", not "weft operator"/],
    ['shell-form CMD', build + runtime.replace('CMD ["operator"]', 'CMD operator'), /CMD is in shell form/],
    ['whole context in the final stage', build + runtime.replace('COPY bin ./bin', 'COPY . .'), /final stage copies the whole build context/],
    ['dist from the context', build + runtime.replace('COPY --from=build /app/dist ./dist', 'COPY dist ./dist'), /dist takes a build output from the build context/],
    ['node_modules from the context', build + runtime.replace('COPY --from=build /app/node_modules ./node_modules', 'COPY node_modules ./node_modules'), /node_modules takes a build output/],
    ['missing file', good.replace('COPY tsconfig.json ./', 'COPY tsconfig.build.json ./'), /tsconfig\.build\.json does not exist in the repository/],
    ['glob with no match', good.replace('COPY package*.json ./', 'COPY yarn*.lock ./'), /yarn\*\.lock does not exist/],
    ['source outside the context', good.replace('COPY tsconfig.json ./', 'COPY ../secrets ./'), /outside the build context/],
    ['unpruned node_modules', good.replace(' \\\n && npm prune --omit=dev', ''), /whose last install \(line 4\) includes dev dependencies/],
    ['npm install in the final stage', good.replace('USER 65532', 'RUN npm install\nUSER 65532'), /final stage installs dev dependencies \(npm install\)/],
    ['yarn in the final stage', good.replace('USER 65532', 'RUN cd /app && yarn\nUSER 65532'), /final stage installs dev dependencies \(yarn\)/],
    ['--from a later stage', `FROM node:24-bookworm-slim AS a\nCOPY --from=b /x /x\n${good.replace('AS build', 'AS b')}`, /--from=b names a later stage/],
    ['build stage never builds', good.replace('RUN npm run build \\\n && ', 'RUN '), /never runs npm run build/],
    ['no EXPOSE 9443', good.replace('EXPOSE 8080 9443', 'EXPOSE 8080'), /does not EXPOSE 9443/],
    ['no OCI labels', good.replace(/^LABEL .*\n/m, ''), /no org\.opencontainers\.image\.title LABEL/],
    ['no package.json in the image', good.replace('COPY package.json ./\n', ''), /no \/app\/package\.json/],
  ];
  it.each(bad)('%s', (_name, text, expected) => {
    const problems = checkDockerfile(text, repo);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('npm ci is production-only with --omit=dev, --production or NODE_ENV=production', () => {
    for (const install of ['npm ci --omit=dev', 'npm ci --omit dev', 'npm install --production', 'NODE_ENV=production npm ci']) {
      const text = good.replace('COPY --from=build /app/node_modules ./node_modules\n', '').replace('USER 65532', `RUN ${install}\nUSER 65532`);
      expect([install, checkDockerfile(text, repo)]).toEqual([install, []]);
    }
    expect(checkDockerfile(good.replace('npm prune --omit=dev', 'npm prune --production=false'), repo)).toEqual(
      expect.arrayContaining([expect.stringMatching(/includes dev dependencies/)]),
    );
    const withEnv = good.replace('COPY --from=build /app/node_modules ./node_modules\n', '').replace('USER 65532', 'ENV NODE_ENV=production\nRUN npm ci\nUSER 65532');
    expect(checkDockerfile(withEnv, repo)).toEqual([]);
  });

  it('a COPY source excluded by .dockerignore is reported', () => {
    const problems = checkDockerfile(good, repo, { dockerignore: 'crds\n' });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/COPY source crds is excluded by \.dockerignore/)]));
  });

  it('global ARGs resolve the base image, and --build-arg overrides them', () => {
    const text = `ARG NODE_IMAGE=node:24-bookworm-slim\n${good.replace(/FROM node:24-bookworm-slim/g, 'FROM ${NODE_IMAGE}')}`;
    expect(checkDockerfile(text, repo)).toEqual([]);
    expect(checkDockerfile(text, repo, { buildArgs: { NODE_IMAGE: 'node:22-bookworm-slim' } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/final base image is node:22-bookworm-slim/)]),
    );
    expect(checkDockerfile(text.replace('ARG NODE_IMAGE=node:24-bookworm-slim\n', ''), repo)).toEqual(
      expect.arrayContaining([expect.stringMatching(/not Node 24 slim/)]),
    );
  });
});

describe('parseDockerfile', () => {
  it('joins continuation lines, skipping comments and trailing whitespace after the backslash', () => {
    const df = parseDockerfile(['FROM node:24-slim AS Build', 'RUN apt-get update \\  ', '  # a comment inside', '    && apt-get install -y git \\', '', '    && true', 'CMD ["x"]'].join('\n'));
    expect(df.stages[0]?.name).toBe('build');
    const [run, cmd] = df.stages[0]?.instructions ?? [];
    expect(run?.keyword).toBe('RUN');
    expect(run?.args).toBe('apt-get update     && apt-get install -y git     && true');
    expect(run?.line).toBe(2);
    expect(cmd?.line).toBe(7);
    expect(cmd?.json).toEqual(['x']);
  });

  it('honours the escape directive', () => {
    const df = parseDockerfile('# escape=`\nFROM node:24-slim\nRUN echo a `\n  b\nCOPY C:\\x\\ /y\n');
    expect(df.escape).toBe('`');
    expect(df.stages[0]?.instructions.map((i) => i.args)).toEqual(['echo a   b', 'C:\\x\\ /y']);
  });

  it('reads flags, exec and shell forms, and lower-case keywords', () => {
    const df = parseDockerfile('from node:24-slim as a\ncopy --from=a --chown=1:1 /x /y\nrun --mount=type=cache,target=/c --network=none echo hi\nENTRYPOINT ["node", \'bad json\']\n');
    const [copy, run, ep] = df.stages[0]?.instructions ?? [];
    expect(copy?.keyword).toBe('COPY');
    expect(copy?.flags).toEqual({ from: ['a'], chown: ['1:1'] });
    expect(copy?.args).toBe('/x /y');
    expect(run?.flags).toEqual({ mount: ['type=cache,target=/c'], network: ['none'] });
    expect(run?.args).toBe('echo hi');
    expect(ep?.json).toBeUndefined(); // not valid JSON: shell form
  });

  it('reads heredocs', () => {
    const df = parseDockerfile('FROM node:24-slim\nRUN <<EOF\nnpm ci\nnpm run build\nEOF\nUSER 1\n');
    const [run, user] = df.stages[0]?.instructions ?? [];
    expect(run?.heredocs).toEqual(['npm ci\nnpm run build']);
    expect(user?.keyword).toBe('USER');
    expect(checkDockerfile('FROM node:24-slim AS b\nFROM node:24-slim\nRUN <<EOF\nnpm ci\nEOF\n', repoRoot)).toEqual(
      expect.arrayContaining([expect.stringMatching(/final stage installs dev dependencies \(npm ci\)/)]),
    );
  });

  it('substitutes variables', () => {
    expect(substitute('${A}-$B-${C:-c}-${A:+alt}-${D:+alt}', { A: 'a', B: 'b' })).toBe('a-b-c-alt-');
  });
});

describe('.dockerignore matching', () => {
  it('matches paths and their parents, last rule wins', () => {
    const rules = parseDockerignore('# comment\n/dist/\n**/node_modules\n*.log\nreports\n!reports/keep.txt\n');
    expect(isIgnored('dist', rules)).toBe(true);
    expect(isIgnored('dist/src/cli/main.js', rules)).toBe(true);
    expect(isIgnored('src/dist', rules)).toBe(false);
    expect(isIgnored('node_modules/x', rules)).toBe(true);
    expect(isIgnored('a/b/node_modules', rules)).toBe(true);
    expect(isIgnored('npm.log', rules)).toBe(true);
    expect(isIgnored('logs/npm.log', rules)).toBe(false);
    expect(isIgnored('reports/junit.xml', rules)).toBe(true);
    expect(isIgnored('reports/keep.txt', rules)).toBe(false);
  });

  it('reports what a bad .dockerignore lets in', () => {
    expect(checkDockerignore('')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/does not exclude node_modules/),
        expect.stringMatching(/does not exclude dist/),
        expect.stringMatching(/does not exclude reports/),
      ]),
    );
    expect(checkDockerignore('node_modules\ndist\nreports\n.git\n')).toEqual([expect.stringMatching(/nested node_modules/)]);
    expect(checkDockerignore(`${dockerignore}\n!dist\n`)).toEqual([expect.stringMatching(/does not exclude dist/)]);
    expect(checkDockerignore(dockerignore.replace(/^reports$/m, ''))).toEqual([expect.stringMatching(/does not exclude reports/)]);
  });

  it('expands COPY globs against the repository', () => {
    expect(expandSource(repoRoot, 'package*.json')).toEqual(['package-lock.json', 'package.json']);
    expect(expandSource(repoRoot, './package.json')).toEqual(['package.json']);
    expect(expandSource(repoRoot, 'nothing-here-*.json')).toEqual([]);
  });
});
