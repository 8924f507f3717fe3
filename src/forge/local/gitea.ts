import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { request } from 'undici';
import { freePort } from '../../cluster/ports.js';
import { logTail, startProcess, waitReady, type ManagedProcess } from '../../cluster/process.js';
import { forgeToolPath } from './binaries.js';

/** A user of the local forge with a password and an API token (all scopes). */
export interface ForgeUser {
  username: string;
  password: string;
  token: string;
}

/** Options of {@link LocalGitea.start}. */
export interface LocalGiteaOptions {
  /** State directory; a new temp dir (removed on stop) when omitted. */
  dir?: string;
  /** The process whose death stops Gitea; default: this process. */
  ownerPid?: number;
  /** Called with a short description of each step. */
  onProgress?: (step: string) => void;
  /** How long Gitea may take to answer (default 60 s). */
  startTimeoutMs?: number;
}

/** The app.ini of a local Gitea: loopback only, SQLite, no SSH, offline, nothing phoning home. */
export function giteaConfig(o: { dir: string; port: number; staticRoot: string }): string {
  return `APP_NAME = Weft local forge
RUN_MODE = prod
WORK_PATH = ${o.dir}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true

[server]
PROTOCOL = http
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${o.port}
DOMAIN = 127.0.0.1
ROOT_URL = http://127.0.0.1:${o.port}/
DISABLE_SSH = true
START_SSH_SERVER = false
OFFLINE_MODE = true
LFS_START_SERVER = false
STATIC_ROOT_PATH = ${o.staticRoot}
APP_DATA_PATH = ${join(o.dir, 'data')}

[database]
DB_TYPE = sqlite3
PATH = ${join(o.dir, 'data', 'gitea.db')}
SQLITE_JOURNAL_MODE = WAL

[repository]
ROOT = ${join(o.dir, 'repos')}
DEFAULT_BRANCH = main

[security]
INSTALL_LOCK = true
PASSWORD_COMPLEXITY = off
MIN_PASSWORD_LENGTH = 8

[service]
DISABLE_REGISTRATION = true
DEFAULT_KEEP_EMAIL_PRIVATE = true

[mailer]
ENABLED = false

[actions]
ENABLED = false

[packages]
ENABLED = false

[cron.update_checker]
ENABLED = false

[indexer]
ISSUE_INDEXER_TYPE = db
REPO_INDEXER_ENABLED = false

[log]
MODE = console
LEVEL = Warn
ROOT_PATH = ${join(o.dir, 'log')}
`;
}

/**
 * A real Gitea (built by `hack/build-tools.sh gitea`) on a free loopback port in its own directory:
 * SQLite, no SSH, offline mode, an admin (`weft`) and a reviewer (`reviewer`) with API tokens. Runs
 * in its own process group under the guard, like LocalControlPlane: nothing outlives the owner.
 *
 * @example
 * const gitea = await LocalGitea.start();
 * const forge = new GiteaForge({ url: gitea.url, token: gitea.admin.token });
 * await gitea.stop();
 */
export class LocalGitea {
  private proc: ManagedProcess | undefined;
  /** The admin user (owner of the repositories it creates). */
  admin!: ForgeUser;
  /** A second user, collaborator on repositories created with {@link createRepo}, who reviews. */
  reviewer!: ForgeUser;

  readonly dir: string;
  readonly port: number;
  private readonly bin: string;
  private readonly removeDirOnStop: boolean;
  private readonly opts: LocalGiteaOptions;

  private constructor(o: { dir: string; port: number; bin: string; opts: LocalGiteaOptions }) {
    this.dir = o.dir;
    this.port = o.port;
    this.bin = o.bin;
    this.opts = o.opts;
    this.removeDirOnStop = o.opts.dir === undefined;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Gitea's log (stdout and stderr). */
  get logFile(): string {
    return join(this.dir, 'gitea.log');
  }

  /** Starts Gitea, creates the admin, the reviewer and their tokens. */
  static async start(opts: LocalGiteaOptions = {}): Promise<LocalGitea> {
    const bin = forgeToolPath('gitea');
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'weft-gitea-')));
    const progress = opts.onProgress ?? (() => {});
    const gitea = new LocalGitea({ dir, port: await freePort(), bin, opts });
    try {
      await mkdir(join(dir, 'home'), { recursive: true });
      await mkdir(join(dir, 'data'), { recursive: true });
      await writeFile(join(dir, 'app.ini'), giteaConfig({ dir, port: gitea.port, staticRoot: process.env.WEFT_GITEA_STATIC ?? join(dirname(bin), 'static') }));
      progress(`starting Gitea on ${gitea.url}`);
      await gitea.startServer();
      progress('creating the admin and reviewer users');
      gitea.admin = await gitea.createAdmin('weft');
      gitea.reviewer = await gitea.createUser('reviewer');
      return gitea;
    } catch (err) {
      await gitea.stop().catch(() => undefined);
      throw err;
    }
  }

  private env(): NodeJS.ProcessEnv {
    const home = join(this.dir, 'home');
    return { PATH: process.env.PATH, HOME: home, USER: process.env.USER ?? 'root', GITEA_WORK_DIR: this.dir, GIT_CONFIG_NOSYSTEM: '1' };
  }

  /** Starts the server (again, on the same port and data, after {@link stopServer}). */
  async startServer(): Promise<void> {
    this.proc = startProcess({
      name: 'gitea',
      command: this.bin,
      args: ['web', '--config', join(this.dir, 'app.ini'), '--work-path', this.dir],
      logFile: this.logFile,
      env: this.env(),
      cwd: this.dir,
      ownerPid: this.opts.ownerPid,
    });
    await waitReady(this.proc, this.opts.startTimeoutMs ?? 60_000, async () => {
      const res = await request(`${this.url}/api/v1/version`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.dump();
      return res.statusCode === 200;
    });
  }

  /** Stops the server but keeps its data (to test a forge that goes away mid-call). */
  async stopServer(): Promise<void> {
    await this.proc?.stop(5000);
    this.proc = undefined;
  }

  /** Stops Gitea; removes its directory when it made it. */
  async stop(): Promise<void> {
    await this.stopServer();
    if (this.removeDirOnStop) await rm(this.dir, { recursive: true, force: true });
  }

  /** The last lines of Gitea's log, for failure messages. */
  logTail(lines = 40): string {
    return logTail(this.logFile, lines);
  }

  private async createAdmin(username: string): Promise<ForgeUser> {
    const password = `Weft-${randomBytes(9).toString('base64url')}`;
    const res = await execa(
      this.bin,
      ['admin', 'user', 'create', '--config', join(this.dir, 'app.ini'), '--work-path', this.dir, '--username', username, '--password', password, '--email', `${username}@example.invalid`, '--admin', '--must-change-password=false'],
      { env: this.env(), cwd: this.dir, extendEnv: false, reject: false, timeout: 60_000 },
    );
    if (res.exitCode !== 0) throw new Error(`gitea admin user create ${username} failed (exit ${res.exitCode}): ${res.stderr || res.stdout}\nGitea log:\n${this.logTail()}`);
    return { username, password, token: await this.createToken(username, password) };
  }

  private async createUser(username: string): Promise<ForgeUser> {
    const password = `Weft-${randomBytes(9).toString('base64url')}`;
    await this.api('POST', '/admin/users', this.admin.token, { username, password, email: `${username}@example.invalid`, must_change_password: false });
    return { username, password, token: await this.createToken(username, password) };
  }

  private async createToken(username: string, password: string): Promise<string> {
    const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const body = { name: `weft-${randomBytes(4).toString('hex')}`, scopes: ['all'] };
    const t = await this.api<{ sha1: string }>('POST', `/users/${username}/tokens`, auth, body);
    return t.sha1;
  }

  /**
   * Creates a repository owned by the admin with an initial commit on `main` (and a README) and
   * makes the reviewer a collaborator with write access. Returns `owner/name`.
   */
  async createRepo(name: string): Promise<string> {
    await this.api('POST', '/user/repos', this.admin.token, { name, auto_init: true, default_branch: 'main', readme: 'Default', private: false });
    await this.api('PUT', `/repos/${this.admin.username}/${name}/collaborators/${this.reviewer.username}`, this.admin.token, { permission: 'write' });
    return `${this.admin.username}/${name}`;
  }

  /**
   * A call to Gitea's API as `auth` (a token, or a full `Basic …` header): the test harness's and
   * `weft up`'s way to act as the reviewer or merge a pull request. Throws with Gitea's log tail.
   */
  async api<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, auth: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}/api/v1${path}`, {
      method,
      headers: { authorization: auth.startsWith('Basic ') ? auth : `token ${auth}`, 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`gitea ${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}\nGitea log:\n${this.logTail(20)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
