import type {
  Transport,
  TransportRequest,
  TransportSink,
} from '../../src/core/transports/transport.js';

/** One connect call of a {@link ScriptedTransport}: the request it got and the sink to drive. */
export interface ScriptedAttempt {
  request: TransportRequest;
  sink: TransportSink;
  listened: Set<string>;
}

/**
 * A transport driven by the test: every `connect` is recorded, and the test decides what the
 * "server" does by calling the attempt's sink.
 */
export class ScriptedTransport implements Transport {
  readonly name = 'scripted';
  readonly attempts: ScriptedAttempt[] = [];
  selfReconnecting = false;

  connect(request: TransportRequest, sink: TransportSink) {
    const attempt: ScriptedAttempt = { request, sink, listened: new Set() };
    this.attempts.push(attempt);
    return { listen: (type: string) => attempt.listened.add(type) };
  }

  get last(): ScriptedAttempt {
    const a = this.attempts[this.attempts.length - 1];
    if (!a) throw new Error('no attempt yet');
    return a;
  }
}

/** Lets pending promise callbacks (async header functions) run under fake timers. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
