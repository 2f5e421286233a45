import { redirect } from 'next/navigation';

/** The console opens on the dashboard. */
export default function Home(): never {
  redirect('/dashboard');
}
