export type LightStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export function statusLabel(status: LightStatus, attempt: number): string {
  switch (status) {
    case 'open':
      return 'connected';
    case 'connecting':
      return 'connecting';
    case 'reconnecting':
      return attempt > 0 ? `reconnecting (attempt ${attempt})` : 'reconnecting';
    default:
      return 'disconnected';
  }
}

/** A colored dot and the connection status in words. */
export function StatusLight({ status, attempt }: { status: LightStatus; attempt: number }) {
  return (
    <div className="status" data-status={status} role="status" aria-live="polite">
      <span className={`status-light status-${status}`} aria-hidden="true" />
      <span className="status-text" data-testid="status-text">
        {statusLabel(status, attempt)}
      </span>
    </div>
  );
}
