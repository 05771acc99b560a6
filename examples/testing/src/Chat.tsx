import { useState } from 'react';
import { useStreamText } from 'sse-hooks/chat';

export function Chat() {
  const [prompt, setPrompt] = useState('');
  const { text, status, start, stop } = useStreamText('/api/chat');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        start({ prompt });
      }}
    >
      <input aria-label="Prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      {status === 'streaming' ? (
        <button type="button" onClick={stop}>
          Stop
        </button>
      ) : (
        <button type="submit">Send</button>
      )}
      <output>{text}</output>
    </form>
  );
}
