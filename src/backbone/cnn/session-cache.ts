/**
 * Lazily built onnxruntime sessions keyed by what they return, shared by the CNN runners: a session is
 * built on first use, a failed build is forgotten (so the next call retries), and dispose() releases all.
 */
import { GraphSession, type SessionOptions } from '../../graph/index.js';

export interface RunnerSessionOptions {
  /** onnxruntime intra-op threads; default 2. */
  readonly threads?: number;
  /** onnxruntime graph optimisation level; default the session's ('extended', see GraphSession). */
  readonly optimizationLevel?: SessionOptions['optimizationLevel'];
  /** Let idle onnxruntime threads spin (see GraphSession); default false. */
  readonly spinning?: boolean;
  /** onnxruntime's CPU memory arena (see GraphSession); default true. */
  readonly memoryArena?: boolean;
}

export class SessionCache {
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  constructor(private readonly options: RunnerSessionOptions = {}) {}

  /** The session for `key`, serialising `model()` the first time. */
  get(key: string, model: () => Uint8Array): Promise<GraphSession> {
    let session = this.sessions.get(key);
    if (!session) {
      const { threads, optimizationLevel, spinning, memoryArena } = this.options;
      session = Promise.resolve().then(() => GraphSession.create(model(), {
        ...(threads ? { threads } : {}), ...(optimizationLevel ? { optimizationLevel } : {}), ...(spinning ? { spinning } : {}),
        ...(memoryArena === false ? { memoryArena } : {}),
      }));
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of await Promise.allSettled(sessions)) if (session.status === 'fulfilled') await session.value.dispose();
  }
}
