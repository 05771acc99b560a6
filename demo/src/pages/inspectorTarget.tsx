import { useId, type FormEvent } from 'react';

/** The stream the inspector reads: any SSE endpoint, any method, headers and body. */
export interface StreamTarget {
  url: string;
  method: 'GET' | 'POST';
  /** `Name: value` lines. */
  headers: string;
  body: string;
}

const DEFAULT: StreamTarget = { url: '/api/events', method: 'GET', headers: '', body: '' };

/** The target a shared link names (`?url=...&method=POST&body=...`), else the demo's stream. */
export function readTarget(): StreamTarget {
  const q = new URLSearchParams(location.search);
  return {
    url: q.get('url') || DEFAULT.url,
    method: q.get('method') === 'POST' ? 'POST' : 'GET',
    headers: '',
    body: q.get('body') ?? '',
  };
}

/** A link to this page reading `target`. Headers stay out of it: they often hold secrets. */
export function shareLink(target: StreamTarget): string {
  const q = new URLSearchParams();
  if (target.url !== DEFAULT.url) q.set('url', target.url);
  if (target.method !== 'GET') q.set('method', target.method);
  if (target.body) q.set('body', target.body);
  const query = q.toString();
  return `${location.pathname}${query ? `?${query}` : ''}`;
}

/** The hooks' options for `target`: its method, headers and body, read through `fetch`. */
export function toOptions(target: StreamTarget, fetch: typeof globalThis.fetch) {
  const headers: Record<string, string> = {};
  for (const line of target.headers.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return {
    method: target.method,
    headers: Object.keys(headers).length ? headers : undefined,
    body: target.method === 'POST' && target.body ? target.body : undefined,
    fetch,
  };
}

/** The form: URL, method, headers, body, and the link to share. */
export function Target({
  value,
  onChange,
  onSubmit,
}: {
  value: StreamTarget;
  onChange(next: StreamTarget): void;
  onSubmit(): void;
}) {
  const id = useId();
  const set = (patch: Partial<StreamTarget>) => onChange({ ...value, ...patch });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className="inspector-form" onSubmit={submit} aria-label="Stream to inspect">
      <div className="field inspector-url">
        <label htmlFor={`${id}-url`}>Stream URL</label>
        <input
          id={`${id}-url`}
          type="text"
          value={value.url}
          spellCheck={false}
          onChange={(e) => set({ url: e.target.value })}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-method`}>Method</label>
        <select
          id={`${id}-method`}
          value={value.method}
          onChange={(e) => set({ method: e.target.value as StreamTarget['method'] })}
        >
          <option>GET</option>
          <option>POST</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-headers`}>Headers (one per line)</label>
        <textarea
          id={`${id}-headers`}
          rows={2}
          value={value.headers}
          placeholder="Authorization: Bearer …"
          spellCheck={false}
          onChange={(e) => set({ headers: e.target.value })}
        />
      </div>
      {value.method === 'POST' && (
        <div className="field">
          <label htmlFor={`${id}-body`}>Body</label>
          <textarea
            id={`${id}-body`}
            rows={3}
            value={value.body}
            placeholder='{"messages":[{"role":"user","content":"Hi"}]}'
            spellCheck={false}
            onChange={(e) => set({ body: e.target.value })}
          />
        </div>
      )}
      <p className="hint">
        Press Connect to read this stream. <a href={shareLink(value)}>Link to this stream</a>{' '}
        (headers are left out of it). Another origin must allow this page with CORS: see the
        README&apos;s inspector note.
      </p>
    </form>
  );
}
