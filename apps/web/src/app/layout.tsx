import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { HydrationMark } from '~/components/ui/hydration';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'hoop', template: '%s · hoop' },
  description: 'Guarded access to production for people and AI agents',
  robots: { index: false, follow: false },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className="h-full">
      <body className="h-full">
        {children}
        <HydrationMark />
      </body>
    </html>
  );
}
