import { useId, useState, type FormEvent } from 'react';
import { useStreamText } from 'sse-hooks/chat';

const CHAT_URL = '/api/chat';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

const SUGGESTIONS = [
  'How does reconnecting with Last-Event-ID work?',
  'How do Server-Sent Events compare with WebSockets?',
  'Why stream tokens instead of waiting for the whole answer?',
];

const STATUS_TEXT = {
  idle: 'ready',
  streaming: 'streaming…',
  done: 'done',
  stopped: 'stopped',
  error: 'error',
} as const;

/**
 * A typewriter chat over an OpenAI-style token stream: the prompt is POSTed as JSON with a Bearer
 * token, and the answer appears as it streams, paced to the screen's frames.
 */
export function Chat() {
  const [token, setToken] = useState('demo-token');
  const [prompt, setPrompt] = useState('');
  // Finished exchanges, sent along with each new question; `current` is the one on screen.
  const [history, setHistory] = useState<readonly Turn[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const promptId = useId();
  const tokenId = useId();

  const { text, status, error, start, stop, reset } = useStreamText(CHAT_URL, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const streaming = status === 'streaming';

  const ask = (content: string) => {
    const question = content.trim();
    if (question === '' || streaming) return;
    const kept: Turn[] =
      current !== null && status !== 'error' && text !== ''
        ? [...history, { role: 'user', content: current }, { role: 'assistant', content: text }]
        : [...history];
    setHistory(kept);
    setCurrent(question);
    setPrompt('');
    start({ messages: [...kept, { role: 'user', content: question }] });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    ask(prompt);
  };

  const clearAll = () => {
    reset();
    setHistory([]);
    setCurrent(null);
  };

  return (
    <div className="page chat">
      <h1 className="page-title">Typewriter chat</h1>
      <section className="card" aria-labelledby="chat-heading">
        <div className="card-header card-header-row">
          <h2 id="chat-heading">Conversation</h2>
          <span className="chat-status" data-testid="chat-status" data-status={status}>
            {STATUS_TEXT[status]}
          </span>
        </div>
        <div className="card-body">
          {history.length > 0 && (
            <ol className="transcript" aria-label="Earlier messages">
              {history.map((turn, i) => (
                <li key={i} className={`turn turn-${turn.role}`}>
                  <span className="turn-role">{turn.role === 'user' ? 'You' : 'Answer'}</span>
                  <span className="turn-text">{turn.content}</span>
                </li>
              ))}
            </ol>
          )}
          {current !== null && (
            <p className="turn turn-user">
              <span className="turn-role">You</span>
              <span className="turn-text" data-testid="chat-question">
                {current}
              </span>
            </p>
          )}
          <div
            className="chat-answer"
            data-testid="chat-answer"
            aria-live="polite"
            aria-busy={streaming}
          >
            {text}
            {streaming && <span className="caret" aria-hidden="true" />}
          </div>
          {error && status === 'error' && (
            <p className="notice notice-error chat-error" role="alert">
              {error.message}
              {error.status === 401 ? ' (check the token)' : ''}
            </p>
          )}

          <form className="chat-form" onSubmit={onSubmit}>
            <div className="row">
              <div className="field">
                <label htmlFor={promptId}>Prompt</label>
                <input
                  id={promptId}
                  type="text"
                  value={prompt}
                  placeholder="Ask about Server-Sent Events"
                  onChange={(e) => setPrompt(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor={tokenId}>Token</label>
                <input
                  id={tokenId}
                  type="text"
                  value={token}
                  spellCheck={false}
                  autoComplete="off"
                  onChange={(e) => setToken(e.target.value)}
                />
              </div>
            </div>
            <div className="button-row">
              <button type="submit" className="btn btn-primary" disabled={streaming}>
                Send
              </button>
              <button type="button" className="btn btn-danger" onClick={stop} disabled={!streaming}>
                Stop
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                onClick={clearAll}
                disabled={streaming}
              >
                Clear
              </button>
            </div>
          </form>
          <div className="suggestions">
            <span className="hint">Try:</span>
            {SUGGESTIONS.map((s) => (
              <button
                key={s}
                type="button"
                className="chip"
                disabled={streaming}
                onClick={() => ask(s)}
              >
                {s}
              </button>
            ))}
          </div>
        </div>
      </section>
    </div>
  );
}
