/**
 * Test harness: real clickhouse-server (and ZooKeeper for cluster tests) processes on free
 * loopback ports in temporary directories. Each process leads its own process group, which
 * `stop()` kills. A missing clickhouse-server skips the suite with the reason, unless
 * FLUORO_TEST_REQUIRE_ALL=1 (CI), where it fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

const SERVER_CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'];

/** The clickhouse-server command, or undefined when none is installed. */
export function findClickHouseServer(): string[] | undefined {
  const env = process.env['FLUORO_CLICKHOUSE_SERVER'];
  if (env) return [env];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'clickhouse-server'))) return [join(dir, 'clickhouse-server')];
  }
  const found = SERVER_CANDIDATES.find((p) => existsSync(p));
  if (found) return [found];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'clickhouse'))) return [join(dir, 'clickhouse'), 'server'];
  }
  return undefined;
}

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
/** A logger for ZooKeeper's output (without one it logs nothing); optional. */
const SLF4J_SIMPLE = '/usr/share/java/slf4j-simple.jar';

/**
 * `describe` when clickhouse-server (and, with `needsZooKeeper`, ZooKeeper and java) are
 * installed; otherwise a skipped suite naming what is missing, or under
 * FLUORO_TEST_REQUIRE_ALL=1 a failing test.
 */
export function describeWithClickHouse(
  name: string,
  fn: () => void,
  options: { needsZooKeeper?: boolean } = {},
): void {
  const missing: string[] = [];
  if (!findClickHouseServer()) missing.push('clickhouse-server is not installed');
  if (options.needsZooKeeper && !existsSync(ZOOKEEPER_JAR)) missing.push(`${ZOOKEEPER_JAR} is missing`);
  if (missing.length === 0) {
    describe(name, fn);
  } else if (process.env['FLUORO_TEST_REQUIRE_ALL'] === '1') {
    describe(name, () => {
      it('has its system packages (FLUORO_TEST_REQUIRE_ALL=1)', () => {
        throw new Error(missing.join('; '));
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${missing.join('; ')})`, fn);
  }
}

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A process started in its own group; `stop` signals the whole group and waits for the exit. */
class GroupProcess {
  private exited: Promise<void>;
  private running = true;

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.running = false;
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.running;
  }

  async stop(): Promise<void> {
    if (!this.running || this.child.pid === undefined) return;
    const pid = this.child.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pid, s);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    const killer = setTimeout(() => signal('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** Starts `command` leading a new process group, its output appended to `logFile`. */
function spawnGroup(command: string[], logFile: string): GroupProcess {
  const [bin, ...args] = command;
  const out = openSync(logFile, 'a');
  const child = spawn(bin as string, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env },
  });
  closeSync(out);
  child.on('error', (e) => writeFileSync(logFile, String(e), { flag: 'a' }));
  return new GroupProcess(child);
}

async function waitFor(what: string, ready: () => Promise<boolean>, proc: GroupProcess, log: () => string) {
  for (let i = 0; i < 600; i++) {
    if (await ready().catch(() => false)) return;
    if (!proc.alive) throw new Error(`${what} exited while starting:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await proc.stop();
  throw new Error(`${what} did not answer within 60 s:\n${log()}`);
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface ClusterConfig {
  name: string;
  /** tcp ports of the servers, one shard each, all on 127.0.0.1. */
  shardTcpPorts: number[];
  zooKeeperPort: number;
  /** This server's shard number (1-based). */
  shard: number;
}

/** A running (or stopped) clickhouse-server owned by a test. */
export interface ClickHouseServer {
  /** HTTP interface, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly tcpPort: number;
  readonly dir: string;
  /** Starts it again on the same ports and data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and deletes its directory. */
  dispose(): Promise<void>;
}

export interface ClickHouseServerPorts {
  http: number;
  tcp: number;
  interserver: number;
}

export async function allocateClickHousePorts(): Promise<ClickHouseServerPorts> {
  return { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
}

/** Starts a clickhouse-server in a new temporary directory and waits until it answers. */
export async function startClickHouse(
  options: { ports?: ClickHouseServerPorts; cluster?: ClusterConfig } = {},
): Promise<ClickHouseServer> {
  const command = findClickHouseServer();
  if (!command) throw new Error('clickhouse-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-clickhouse-'));
  const ports = options.ports ?? (await allocateClickHousePorts());
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'config.xml'), configXml(dir, ports, options.cluster));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);
  const url = `http://127.0.0.1:${ports.http}`;
  const errLog = join(dir, 'log', 'err.log');
  let proc: GroupProcess | undefined;
  const server: ClickHouseServer = {
    url,
    tcpPort: ports.tcp,
    dir,
    async start() {
      if (proc?.alive) return;
      const p = spawnGroup([...command, `--config-file=${join(dir, 'config.xml')}`], errLog);
      proc = p;
      await waitFor(
        `clickhouse-server on ${url}`,
        async () => (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).ok,
        p,
        () => tail(errLog),
      );
    },
    async stop() {
      await proc?.stop();
    },
    async dispose() {
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (e) {
    // The error carries the log's tail; nothing else in the directory is worth keeping.
    await server.dispose();
    throw e;
  }
  return server;
}

function configXml(dir: string, ports: ClickHouseServerPorts, cluster?: ClusterConfig): string {
  const clusterXml = cluster
    ? `<remote_servers><${cluster.name}>${cluster.shardTcpPorts
        .map(
          (p) =>
            `<shard><internal_replication>true</internal_replication><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`,
        )
        .join('')}</${cluster.name}></remote_servers>
  <zookeeper><node><host>127.0.0.1</host><port>${cluster.zooKeeperPort}</port></node><session_timeout_ms>30000</session_timeout_ms></zookeeper>
  <macros><shard>${String(cluster.shard).padStart(2, '0')}</shard><replica>r${cluster.shard}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>`
    : '';
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  ${clusterXml}
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/** A running ZooKeeper (standalone) owned by a test. */
export interface ZooKeeper {
  readonly port: number;
  /** Its temporary directory; `zookeeper.log` there holds its output. */
  readonly dir: string;
  dispose(): Promise<void>;
}

/** Starts Debian's ZooKeeper standalone on a free loopback port in a temporary directory. */
export async function startZooKeeper(): Promise<ZooKeeper> {
  const dir = mkdtempSync(join(tmpdir(), 'fluoro-zookeeper-'));
  const port = await freePort();
  const log = join(dir, 'zookeeper.log');
  const config = join(dir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr',
    ].join('\n'),
  );
  const proc = spawnGroup(
    [
      'java',
      '-Xmx256m',
      '-cp',
      `${ZOOKEEPER_JAR}:${SLF4J_SIMPLE}`,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      config,
    ],
    log,
  );
  // `srvr` names the mode only once the server serves requests (the port, and `ruok`, answer
  // earlier); clickhouse-server 18.16 crashes if ZooKeeper drops its first session.
  try {
    await waitFor(
      `ZooKeeper on 127.0.0.1:${port}`,
      () => fourLetterWord(port, 'srvr').then((r) => /Mode: standalone/.test(r)),
      proc,
      () => tail(log),
    );
  } catch (e) {
    // The error carries the log's tail; nothing else in the directory is worth keeping.
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    dir,
    async dispose() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** A running two-shard cluster: ZooKeeper plus one clickhouse-server per shard, all on loopback. */
export interface ShardedCluster {
  servers: ClickHouseServer[];
  dispose(): Promise<void>;
}

/** Starts ZooKeeper and `shards` clickhouse-servers configured as cluster `name`, one shard each. */
export async function startShardedCluster(name: string, shards = 2): Promise<ShardedCluster> {
  const zk = await startZooKeeper();
  const ports = [];
  for (let i = 0; i < shards; i++) ports.push(await allocateClickHousePorts());
  const shardTcpPorts = ports.map((p) => p.tcp);
  const servers = await Promise.all(
    ports.map((p, i) =>
      startClickHouse({ ports: p, cluster: { name, shardTcpPorts, zooKeeperPort: zk.port, shard: i + 1 } }),
    ),
  );
  return {
    servers,
    async dispose() {
      await Promise.all(servers.map((s) => s.dispose()));
      await zk.dispose();
    },
  };
}
