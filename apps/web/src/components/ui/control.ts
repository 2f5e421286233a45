/**
 * The look of a text field or select without its size, for controls that set their own height and width (the forms'
 * INPUT is full width and 36 px high, and Tailwind does not let a later class override those).
 */
export const CONTROL =
  'rounded-md border border-slate-300 bg-white px-3 text-[13px] text-slate-900 shadow-sm placeholder:text-slate-400 ' +
  'focus:border-slate-500 focus:outline-none focus:ring-2 focus:ring-slate-900/10 disabled:bg-slate-50 ' +
  'disabled:text-slate-400 aria-[invalid=true]:border-red-400 aria-[invalid=true]:ring-red-100';
