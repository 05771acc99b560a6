import { useSSEEvent } from 'sse-hooks';
import { dashboard } from './dashboard';

export function AlertBanner() {
  const alert = useSSEEvent(dashboard, 'alert');
  if (!alert) return null;
  return (
    <p role="alert" className={alert.data.level}>
      {alert.data.message}
    </p>
  );
}
