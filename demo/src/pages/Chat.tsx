import { useEffect, useId, useState, type FormEvent } from 'react';
import { useStreamText } from 'sse-hooks/chat';
import { Markdown, MarkdownBlock } from '../components/Markdown';

const CHAT_URL = '/api/chat';
/** Where a reply cut by a reload continues: GET with Last-Event-ID, no prompt sent again. */
const RESUME_URL = '/api/chat/stream';
const CONVERSATION_KEY = 'sse-hooks-demo:conversation';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

interface Conversation {
  history: readonly Turn[];
  current: string | null;
}

const SUGGESTIONS = [
  'How does reconnecting with Last-Event-ID work?',
  'How do Server-Sent Events compare with WebSockets?',
  '请用中文和 emoji 介绍流式输出',
];

const STATUS_TEXT = {
  idle: 'ready',
  streaming: 'streaming…',
  done: 'done',
  stopped: 'stopped',
  error: 'error',
} as const;

/** The conversation of this tab, kept across reloads like the reply being streamed. */
function loadConversation(): Conversation {
  try {
    const raw = sessionStorage.getItem(CONVERSATION_KEY);
    if (raw) return JSON.parse(raw) as Conversation;
  } catch {
    // Blocked or unreadable storage: start empty.
  }
  return { history: [], current: null };
}

function saveConversation(conversation: Conversation): void {
  try {
    sessionStorage.setItem(CONVERSATION_KEY, JSON.stringify(conversation));
  } catch {
    // Full or blocked storage: the conversation just does not survive a reload.
  }
}

/**
 * A typewriter chat over an OpenAI-style token stream: the prompt is POSTed as JSON with a Bearer
 * token, and the answer is typed at the pace it arrives, rendered as Markdown block by block. A
 * reply still streaming when the page reloads continues where it was.
 */
export function Chat() {
  const [token, setToken] = useState('demo-token');
  const [prompt, setPrompt] = useState('');
  const [showSource, setShowSource] = useState(false);
  // Finished exchanges, sent along with each new question; `current` is the one on screen.
  const [{ history, current }, setConversation] = useState(loadConversation);
  const promptId = useId();
  const tokenId = useId();

  const { text, blocks, status, error, start, stop, reset } = useStreamText(CHAT_URL, {
    headers: { Authorization: `Bearer ${token}` },
    resumeKey: 'demo-chat',
    resumeUrl: RESUME_URL,
  });
  const streaming = status === 'streaming';

  useEffect(() => saveConversation({ history, current }), [history, current]);

  const ask = (content: string) => {
    const question = content.trim();
    if (question === '' || streaming) return;
    const kept: Turn[] =
      current !== null && status !== 'error' && text !== ''
        ? [...history, { role: 'user', content: current }, { role: 'assistant', content: text }]
        : [...history];
    setConversation({ history: kept, current: question });
    setPrompt('');
    start({ messages: [...kept, { role: 'user', content: question }] });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    ask(prompt);
  };

  const clearAll = () => {
    reset();
    setConversation({ history: [], current: null });
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
                  <div className="turn-text">
                    {turn.role === 'user' ? turn.content : <Markdown text={turn.content} />}
                  </div>
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
            className={`chat-answer${showSource ? ' chat-source' : ''}`}
            data-testid="chat-answer"
            data-length={text.length}
            aria-live="polite"
            aria-busy={streaming}
          >
            {showSource ? (
              <pre data-testid="chat-source">{text}</pre>
            ) : (
              blocks.map((block, i) => <MarkdownBlock key={i} source={block} />)
            )}
            {streaming && <span className="caret" aria-hidden="true" />}
          </div>
          <label className="chat-toggle">
            <input
              type="checkbox"
              checked={showSource}
              onChange={(e) => setShowSource(e.target.checked)}
            />{' '}
            Show the Markdown source ({blocks.length} {blocks.length === 1 ? 'block' : 'blocks'})
          </label>
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
