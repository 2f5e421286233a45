'use client';

import '@xterm/xterm/css/xterm.css';
import { Terminal } from '@xterm/xterm';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { cx } from '~/components/ui/cx';

export type Frame = [number, 'o' | 'r', string];
export interface PlayerRecording {
  cols: number;
  rows: number;
  term: string;
  frames: Frame[];
}

/** Pauses longer than this are shortened to it, as asciinema's idle_time_limit does. */
const IDLE_LIMIT = 2;
const SPEEDS = [0.5, 1, 2, 4] as const;
const TICK_MS = 33;

/** When each frame plays, in seconds, with long pauses shortened. */
function playbackTimes(frames: Frame[]): { at: number[]; duration: number; shortened: boolean } {
  const at: number[] = [];
  let shortened = false;
  let prevReal = 0;
  let clock = 0;
  for (const [t] of frames) {
    const gap = Math.max(0, t - prevReal);
    if (gap > IDLE_LIMIT) shortened = true;
    clock += Math.min(gap, IDLE_LIMIT);
    prevReal = Math.max(prevReal, t);
    at.push(clock);
  }
  return { at, duration: at.at(-1) ?? 0, shortened };
}

const clockText = (s: number) => {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
};

const THEME = {
  background: '#0b1220',
  foreground: '#e2e8f0',
  cursor: '#94a3b8',
  cursorAccent: '#0b1220',
  selectionBackground: '#334155',
  black: '#1e293b',
  red: '#f87171',
  green: '#4ade80',
  yellow: '#facc15',
  blue: '#60a5fa',
  magenta: '#c084fc',
  cyan: '#22d3ee',
  white: '#e2e8f0',
  brightBlack: '#64748b',
  brightRed: '#fca5a5',
  brightGreen: '#86efac',
  brightYellow: '#fde047',
  brightBlue: '#93c5fd',
  brightMagenta: '#d8b4fe',
  brightCyan: '#67e8f9',
  brightWhite: '#f8fafc',
};

/**
 * Replays recorded terminal output in xterm.js: play, pause, speed and a seek bar. Seeking resets the terminal and
 * writes every frame up to that moment at once. It opens on the last frame (the screen as the session left it); while
 * a live session is followed, new output is written as it arrives.
 */
export default function XtermPlayer({ recording, live, title }: { recording: PlayerRecording; live: boolean; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const applied = useRef(0);
  const position = useRef(0);
  /** the player rests on the last frame: output that arrives later (a live session) is written at once */
  const following = useRef(true);
  const [shown, setShown] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(1);
  const [size, setSize] = useState({ cols: recording.cols, rows: recording.rows });
  const { frames } = recording;
  const times = useMemo(() => playbackTimes(frames), [frames]);
  const current = useRef({ frames, times });
  current.current = { frames, times };

  /** Writes the frames due by `upTo` (seconds of playback), in order; a resize waits for the output before it. */
  const apply = useCallback((upTo: number) => {
    const t = term.current;
    if (!t) return;
    const { frames: fs, times: ts } = current.current;
    let out = '';
    while (applied.current < fs.length && ts.at[applied.current]! <= upTo) {
      const [, kind, data] = fs[applied.current]!;
      if (kind === 'o') out += data;
      else {
        const [cols, rows] = data.split('x').map(Number);
        if (cols && rows) {
          t.write(out, () => {
            t.resize(cols, rows);
            setSize({ cols, rows });
          });
          out = '';
        }
      }
      applied.current++;
    }
    if (out) t.write(out);
  }, []);

  const seek = useCallback(
    (to: number) => {
      const t = term.current;
      if (!t) return;
      const target = Math.max(0, Math.min(to, current.current.times.duration));
      // a full reset (RIS) in the same stream as the output, so nothing written before it lands after it
      t.write('\x1bc', () => {
        t.resize(recording.cols, recording.rows);
        setSize({ cols: recording.cols, rows: recording.rows });
      });
      applied.current = 0;
      position.current = target;
      following.current = target >= current.current.times.duration;
      apply(target);
      setShown(target);
    },
    [apply, recording.cols, recording.rows],
  );

  useEffect(() => {
    const t = new Terminal({
      cols: recording.cols,
      rows: recording.rows,
      disableStdin: true,
      cursorBlink: false,
      cursorInactiveStyle: 'block',
      scrollback: 5_000,
      fontFamily: 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      theme: THEME,
    });
    t.open(host.current!);
    term.current = t;
    // the screen as the session left it
    applied.current = 0;
    position.current = current.current.times.duration;
    apply(Number.POSITIVE_INFINITY);
    setShown(position.current);
    return () => {
      t.dispose();
      term.current = null;
    };
    // one terminal for the life of the player; frames arriving later are written by the effect below
  }, [apply, recording.cols, recording.rows]);

  // a live session: new output while the player rests at the end is written at once
  useEffect(() => {
    if (playing || !following.current || applied.current >= frames.length) return;
    apply(Number.POSITIVE_INFINITY);
    position.current = times.duration;
    setShown(times.duration);
  }, [frames.length, times, playing, apply]);

  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      position.current = Math.min(current.current.times.duration, position.current + ((now - last) / 1000) * speed);
      last = now;
      apply(position.current);
      setShown(position.current);
      following.current = position.current >= current.current.times.duration;
      if (following.current) setPlaying(false);
    }, TICK_MS);
    return () => clearInterval(timer);
  }, [playing, speed, apply]);

  const atEnd = shown >= times.duration;
  const toggle = () => {
    if (playing) {
      following.current = false;
      return setPlaying(false);
    }
    if (atEnd) seek(0);
    setPlaying(true);
  };

  return (
    <div className="overflow-hidden rounded-lg border border-slate-800 bg-[#0b1220] shadow-sm" data-testid="terminal-player">
      <div className="flex h-8 items-center gap-2 border-b border-white/5 bg-slate-900 px-3">
        <span className="flex gap-1.5" aria-hidden>
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
        </span>
        <span className="min-w-0 flex-1 truncate text-center font-mono text-[11px] text-slate-400">{title}</span>
        <span className="font-mono text-[11px] tabular-nums text-slate-500">
          {size.cols}×{size.rows}
        </span>
      </div>
      <div className="overflow-x-auto px-3 py-2.5">
        <div ref={host} data-testid="terminal-screen" aria-label="Recorded terminal" className="w-max" />
        {frames.length === 0 && <p className="py-6 text-center text-[13px] text-slate-400">No terminal output was recorded{live ? ' yet' : ''}.</p>}
      </div>
      <div className="flex flex-wrap items-center gap-3 border-t border-white/5 bg-slate-900 px-3 py-2">
        <button
          type="button"
          onClick={toggle}
          disabled={frames.length === 0}
          aria-label={playing ? 'Pause' : 'Play'}
          title={playing ? 'Pause' : atEnd ? 'Play from the start' : 'Play'}
          className="inline-flex h-7 w-7 items-center justify-center rounded-md bg-white/10 text-white hover:bg-white/20 disabled:opacity-40"
        >
          {playing ? (
            <svg viewBox="0 0 24 24" width={14} height={14} fill="currentColor" aria-hidden>
              <rect x="6" y="5" width="4" height="14" rx="1" />
              <rect x="14" y="5" width="4" height="14" rx="1" />
            </svg>
          ) : (
            <svg viewBox="0 0 24 24" width={14} height={14} fill="currentColor" aria-hidden>
              <path d="M8 5.5v13a1 1 0 0 0 1.5.9l10.5-6.5a1 1 0 0 0 0-1.8L9.5 4.6A1 1 0 0 0 8 5.5Z" />
            </svg>
          )}
        </button>
        <input
          type="range"
          aria-label="Seek"
          min={0}
          max={times.duration || 0}
          step={0.01}
          value={Math.min(shown, times.duration)}
          disabled={frames.length === 0}
          onChange={(e) => {
            setPlaying(false);
            seek(Number(e.target.value));
          }}
          className="h-1.5 min-w-40 flex-1 cursor-pointer accent-emerald-400"
        />
        <span className="font-mono text-[12px] tabular-nums text-slate-300" data-testid="player-time">
          {clockText(shown)} / {clockText(times.duration)}
        </span>
        <div role="group" aria-label="Speed" className="inline-flex items-center rounded-md bg-white/5 p-0.5">
          {SPEEDS.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={speed === s}
              onClick={() => setSpeed(s)}
              className={cx(
                'h-6 rounded px-1.5 font-mono text-[11px] tabular-nums',
                speed === s ? 'bg-white/15 text-white' : 'text-slate-400 hover:text-slate-200',
              )}
            >
              {s}×
            </button>
          ))}
        </div>
        {live && <span className="text-[11px] font-medium text-emerald-400">following live output</span>}
        {times.shortened && (
          <span className="text-[11px] text-slate-500" title={`Pauses longer than ${IDLE_LIMIT} s play as ${IDLE_LIMIT} s`}>
            idle time shortened
          </span>
        )}
      </div>
    </div>
  );
}
