'use client';

import dynamic from 'next/dynamic';
import type { PlayerRecording } from './xterm-player';

/** xterm.js needs a browser: the player is loaded on the client only. */
const XtermPlayer = dynamic(() => import('./xterm-player'), {
  ssr: false,
  loading: () => <div className="h-[26rem] animate-pulse rounded-lg border border-slate-800 bg-[#0b1220]" aria-busy="true" aria-label="Loading the player" />,
});

export function TerminalPlayer(props: { recording: PlayerRecording; live: boolean; title: string }) {
  return <XtermPlayer {...props} />;
}
