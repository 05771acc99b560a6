import { useState } from 'react';
import { useEventSource, useSSEEvent } from 'sse-hooks';

export function LiveFeed() {
  const [items, setItems] = useState<string[]>([]);
  const { status, attempt } = useEventSource('/api/feed');
  useSSEEvent('/api/feed', 'item', { onEvent: (e) => setItems((all) => [...all, e.data]) });
  return (
    <section>
      <p role="status">
        {status === 'reconnecting' ? `Reconnecting (attempt ${attempt})` : status}
      </p>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </section>
  );
}
