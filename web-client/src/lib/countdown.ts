//! Countdowns for timeouts: "4:59", "1:02:03", "6d 23h".

/** Remaining time in ms as a short countdown: m:ss under an hour, h:mm:ss under a day, then "Nd Nh". Never negative. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}:${pad(m)}:${pad(s)}`;
  return `${m}:${pad(s)}`;
}

/** Timeout lengths offered to moderators, in minutes as `moderation.timeout` takes them (Discord's choices). */
export const TIMEOUT_CHOICES: { label: string; minutes: number }[] = [
  { label: '60 seconds', minutes: 1 },
  { label: '5 minutes', minutes: 5 },
  { label: '10 minutes', minutes: 10 },
  { label: '1 hour', minutes: 60 },
  { label: '1 day', minutes: 1440 },
  { label: '1 week', minutes: 10_080 },
];
